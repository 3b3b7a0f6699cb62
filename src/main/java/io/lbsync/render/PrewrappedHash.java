package io.lbsync.render;

import freemarker.template.ObjectWrapper;
import freemarker.template.TemplateCollectionModel;
import freemarker.template.TemplateHashModelEx2;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;
import freemarker.template.TemplateModelIterator;
import freemarker.template.TemplateSequenceModel;
import freemarker.ext.util.WrapperTemplateModel;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * A map of the template model that FreeMarker reads without wrapping it again. FreeMarker's object wrapper makes every
 * value it reads from a Java map or list a template model anew, at every access of every render (a dozen per server
 * line: most of a render's work for a large catalog); a service's model entry is built once and reused while the
 * service does not change, so its values are made template models once, here, as that wrapper would make them. Java
 * code sees an ordinary unmodifiable map (nested maps are PrewrappedHash too, lists unmodifiable lists of them).
 */
final class PrewrappedHash extends AbstractMap<String, Object> implements PrewrappingObjectWrapper.Prewrapped {
    /** Strings, numbers and booleans wrapped as lbsync's FreeMarker configuration wraps them ({@link SandboxedFreemarker}). */
    private static final ObjectWrapper WRAPPER = new PrewrappingObjectWrapper();
    /**
     * Key → position, one per shape (the same keys in the same order): a model's server maps all share one. Finding a key
     * by comparing it with each in turn was a fifth of a render's time (the template's key is never the same object).
     */
    private static final Map<List<String>, Map<String, Integer>> SHAPES = new ConcurrentHashMap<>();
    /** Shapes beyond this many (maps of Consul's meta vary from service to service) get an index of their own. */
    private static final int MAX_SHAPES = 1_000;

    private final String[] keys;
    private final Object[] values;
    private final TemplateModel[] models;
    private final Map<String, Integer> index;
    private final Hash hash = new Hash();

    private PrewrappedHash(String[] keys, Object[] values, TemplateModel[] models) {
        this.keys = keys;
        this.values = values;
        this.models = models;
        this.index = indexOf(keys);
    }

    private static Map<String, Integer> indexOf(String[] keys) {
        List<String> shape = Arrays.asList(keys);
        Map<String, Integer> index = SHAPES.get(shape);
        if (index == null) {
            Map<String, Integer> positions = new HashMap<>(keys.length * 2);
            for (int i = 0; i < keys.length; i++) {
                positions.put(keys[i], i);
            }
            index = Collections.unmodifiableMap(positions);
            if (SHAPES.size() < MAX_SHAPES) {
                SHAPES.putIfAbsent(List.copyOf(shape), index);
            }
        }
        return index;
    }

    /** The map with its values made template models, in its own order; nested maps and lists are done the same way. */
    static PrewrappedHash of(Map<String, ?> source) {
        int n = source.size();
        String[] keys = new String[n];
        Object[] values = new Object[n];
        TemplateModel[] models = new TemplateModel[n];
        int i = 0;
        for (Map.Entry<String, ?> e : source.entrySet()) {
            keys[i] = e.getKey();
            values[i] = javaView(e.getValue());
            models[i] = model(values[i]);
            i++;
        }
        return new PrewrappedHash(keys, values, models);
    }

    /** Maps and lists rebuilt with prewrapped maps in them; other values as they are. */
    @SuppressWarnings("unchecked")
    private static Object javaView(Object value) {
        if (value instanceof PrewrappedHash) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            return of((Map<String, ?>) map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(element -> copy.add(javaView(element)));
            return new PrewrappedList(copy);
        }
        return value;
    }

    private static TemplateModel model(Object javaView) {
        if (javaView instanceof PrewrappingObjectWrapper.Prewrapped prewrapped) {
            return prewrapped.templateModel();
        }
        try {
            return WRAPPER.wrap(javaView);
        } catch (TemplateModelException e) {
            throw new IllegalStateException("a template model value FreeMarker cannot wrap: " + javaView.getClass(), e);
        }
    }

    private int find(Object key) {
        Integer at = index.get(key);
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
        return keys.length;
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
                        return next < keys.length;
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int at = next++;
                        return new SimpleImmutableEntry<>(keys[at], values[at]);
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }

    @Override
    public TemplateModel templateModel() {
        return hash;
    }

    /** The template's view: FreeMarker's hash with keys, values and pairs, as its own map adapter has them. */
    private final class Hash implements TemplateHashModelEx2, WrapperTemplateModel {
        @Override
        public TemplateModel get(String key) {
            int at = find(key);
            return at < 0 ? null : models[at];
        }

        @Override
        public boolean isEmpty() {
            return keys.length == 0;
        }

        @Override
        public int size() {
            return keys.length;
        }

        @Override
        public TemplateCollectionModel keys() {
            return new Models(i -> model(keys[i]), keys.length);
        }

        @Override
        public TemplateCollectionModel values() {
            return new Models(i -> models[i], keys.length);
        }

        @Override
        public KeyValuePairIterator keyValuePairIterator() {
            return new KeyValuePairIterator() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < keys.length;
                }

                @Override
                public KeyValuePair next() {
                    int at = next++;
                    return new KeyValuePair() {
                        @Override
                        public TemplateModel getKey() {
                            return model(keys[at]);
                        }

                        @Override
                        public TemplateModel getValue() {
                            return models[at];
                        }
                    };
                }
            };
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

    /** An unmodifiable list of the model, with its elements already made template models for FreeMarker. */
    static final class PrewrappedList extends AbstractList<Object> implements PrewrappingObjectWrapper.Prewrapped {
        private final List<Object> elements;
        private final TemplateSequenceModel sequence;

        PrewrappedList(List<Object> elements) {
            this.elements = elements;
            TemplateModel[] models = new TemplateModel[elements.size()];
            for (int i = 0; i < models.length; i++) {
                models[i] = model(elements.get(i));
            }
            this.sequence = new Sequence(models, this);
        }

        @Override
        public Object get(int i) {
            return elements.get(i);
        }

        @Override
        public int size() {
            return elements.size();
        }

        @Override
        public TemplateModel templateModel() {
            return sequence;
        }
    }

    /** A list as FreeMarker reads it: by position. */
    private record Sequence(TemplateModel[] models, List<Object> javaView) implements TemplateSequenceModel, WrapperTemplateModel {
        @Override
        public TemplateModel get(int i) {
            return i >= 0 && i < models.length ? models[i] : null;
        }

        @Override
        public int size() {
            return models.length;
        }

        @Override
        public Object getWrappedObject() {
            return javaView;
        }
    }
}
