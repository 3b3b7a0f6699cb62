package io.lbsync.render;

import freemarker.ext.util.WrapperTemplateModel;
import freemarker.template.ObjectWrapper;
import freemarker.template.TemplateCollectionModel;
import freemarker.template.TemplateHashModelEx2;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;
import freemarker.template.TemplateModelIterator;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A map of the template model (a service's entry, a server, its raw values) that FreeMarker reads without wrapping its
 * values again. FreeMarker's object wrapper makes every value it reads from a Java map a template model anew, at every
 * access of every render (a dozen per server line: most of a render's work for a large catalog); a service's entry is
 * built once and reused while the service does not change, so each value is made a template model at its first read,
 * as that wrapper would make it, and kept. The keys come from a {@link Shape}, fixed per kind of map, so a lookup is one
 * shared index and building one costs no more than the map it replaces. Java code sees an ordinary unmodifiable map.
 */
final class PrewrappedHash extends AbstractMap<String, Object> {
    /** Strings, numbers, booleans, Consul's tags and meta wrapped as lbsync's FreeMarker configuration wraps them. */
    private static final ObjectWrapper WRAPPER = PrewrappingObjectWrapper.INSTANCE;

    /** The keys of one kind of map, in order, with the index that finds them. */
    static final class Shape {
        private final String[] keys;
        private final Map<String, Integer> index = new HashMap<>();

        Shape(String... keys) {
            this.keys = keys.clone();
            for (int i = 0; i < keys.length; i++) {
                if (index.put(keys[i], i) != null) {
                    throw new IllegalArgumentException("key " + keys[i] + " twice");
                }
            }
        }

        /** This shape with more keys after its own. */
        Shape plus(String... more) {
            String[] all = Arrays.copyOf(keys, keys.length + more.length);
            System.arraycopy(more, 0, all, keys.length, more.length);
            return new Shape(all);
        }

        /** A map of this shape: {@code values} in the order of the keys. */
        PrewrappedHash of(Object... values) {
            if (values.length != keys.length) {
                throw new IllegalArgumentException(values.length + " values for " + keys.length + " keys");
            }
            return new PrewrappedHash(this, values); // a varargs array of its own: not copied
        }
    }

    private final Shape shape;
    private final Object[] values;
    /** values[i]'s template model once a template read it (null before). */
    private final TemplateModel[] models;
    private final Hash hash = new Hash();

    private PrewrappedHash(Shape shape, Object[] values) {
        this.shape = shape;
        this.values = values;
        this.models = new TemplateModel[values.length];
    }

    /** The value's template model, made at its first read and kept. Two threads may both make it: equal models. */
    private TemplateModel modelAt(int at) {
        TemplateModel model = models[at];
        if (model == null && values[at] != null) {
            try {
                model = WRAPPER.wrap(values[at]);
            } catch (TemplateModelException e) {
                throw new IllegalStateException("a template model value FreeMarker cannot wrap: " + values[at].getClass(), e);
            }
            models[at] = model;
        }
        return model;
    }

    private int find(Object key) {
        Integer at = shape.index.get(key);
        return at == null ? -1 : at;
    }

    @Override
    public Object get(Object key) {
        int at = find(key);
        return at < 0 ? null : values[at];
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) >= 0;
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < values.length;
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (next >= values.length) {
                            throw new NoSuchElementException();
                        }
                        int at = next++;
                        return new SimpleImmutableEntry<>(shape.keys[at], values[at]);
                    }
                };
            }

            @Override
            public int size() {
                return values.length;
            }
        };
    }

    /** What a template sees of this map. */
    TemplateModel templateModel() {
        return hash;
    }

    /** The template's view: FreeMarker's hash with keys, values and pairs, as its own map adapter has them. */
    private final class Hash implements TemplateHashModelEx2, WrapperTemplateModel {
        @Override
        public TemplateModel get(String key) {
            int at = find(key);
            return at < 0 ? null : modelAt(at);
        }

        @Override
        public boolean isEmpty() {
            return values.length == 0;
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public TemplateCollectionModel keys() {
            return new Models(this::keyModel, values.length);
        }

        @Override
        public TemplateCollectionModel values() {
            return new Models(PrewrappedHash.this::modelAt, values.length);
        }

        @Override
        public KeyValuePairIterator keyValuePairIterator() {
            return new KeyValuePairIterator() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < values.length;
                }

                @Override
                public KeyValuePair next() {
                    int at = next++;
                    return new KeyValuePair() {
                        @Override
                        public TemplateModel getKey() {
                            return keyModel(at);
                        }

                        @Override
                        public TemplateModel getValue() {
                            return modelAt(at);
                        }
                    };
                }
            };
        }

        private TemplateModel keyModel(int at) {
            try {
                return WRAPPER.wrap(shape.keys[at]);
            } catch (TemplateModelException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object getWrappedObject() {
            return PrewrappedHash.this;
        }
    }

    /** A listable run of models (a hash's keys or values), as FreeMarker's own map adapter gives them. */
    private record Models(IntFunction<TemplateModel> at, int size) implements TemplateCollectionModel {
        @Override
        public TemplateModelIterator iterator() {
            return new TemplateModelIterator() {
                private int next;

                @Override
                public TemplateModel next() throws TemplateModelException {
                    if (next >= size) {
                        throw new TemplateModelException("no more elements");
                    }
                    return at.apply(next++);
                }

                @Override
                public boolean hasNext() {
                    return next < size;
                }
            };
        }
    }
}
