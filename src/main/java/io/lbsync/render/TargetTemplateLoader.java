package io.lbsync.render;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.TemplateLoader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds each target's template for FreeMarker under the name "&lt;target&gt;/&lt;file name&gt;" (what the install route
 * asks the freemarker: component for): lbsync.&lt;target&gt;.template is a bundled template ("classpath:templates/x.ftl")
 * or a file ("/etc/lbsync/x.ftl", "file:" optional). A template's {@code <#include "other.ftl">} is looked up next to
 * it, as before. Names of targets that were not added are not found.
 */
public final class TargetTemplateLoader implements TemplateLoader {
    private final Map<String, TemplateLoader> byTarget = new ConcurrentHashMap<>();
    /** Targets whose template is bundled in the jar: it cannot change while lbsync runs. */
    private final java.util.Set<String> bundled = ConcurrentHashMap.newKeySet();

    /**
     * Adds a target's template and returns its FreeMarker name, "&lt;target&gt;/&lt;file name&gt;".
     * @throws IllegalArgumentException naming the property when the template cannot be read
     */
    public String add(String target, String location) {
        return add(target, location, "lbsync." + target + ".template");
    }

    /** As {@link #add(String, String)}; errors name {@code property} (where the location came from). */
    public String add(String target, String location, String property) {
        if (location.startsWith("classpath:")) {
            String path = location.substring("classpath:".length()).replaceFirst("^/", "");
            if (TargetTemplateLoader.class.getClassLoader().getResource(path) == null) {
                throw new IllegalArgumentException(property + ": " + location + " is not a bundled template");
            }
            int slash = path.lastIndexOf('/');
            byTarget.put(target, new ClassTemplateLoader(TargetTemplateLoader.class.getClassLoader(),
                    slash < 0 ? "" : path.substring(0, slash)));
            bundled.add(target);
            return target + "/" + path.substring(slash + 1);
        }
        Path file = Path.of(location.startsWith("file:") ? location.substring(5) : location).toAbsolutePath();
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(property + ": cannot read " + file);
        }
        try {
            byTarget.put(target, new FileTemplateLoader(file.getParent().toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(property + ": template directory " + file.getParent(), e);
        }
        return target + "/" + file.getFileName();
    }

    @Override
    public Object findTemplateSource(String name) throws IOException {
        int slash = name.indexOf('/');
        TemplateLoader loader = slash < 0 ? null : byTarget.get(name.substring(0, slash));
        if (loader == null) {
            return null;
        }
        Object source = loader.findTemplateSource(name.substring(slash + 1));
        return source == null ? null : new Source(loader, source, bundled.contains(name.substring(0, slash)));
    }

    @Override
    public long getLastModified(Object source) {
        Source s = (Source) source;
        // a bundled template's "modification time" would mean opening the jar on every render (several ms): it is fixed
        return s.bundled() ? 1L : s.loader().getLastModified(s.source());
    }

    @Override
    public Reader getReader(Object source, String encoding) throws IOException {
        Source s = (Source) source;
        return s.loader().getReader(s.source(), encoding);
    }

    @Override
    public void closeTemplateSource(Object source) throws IOException {
        Source s = (Source) source;
        s.loader().closeTemplateSource(s.source());
    }

    /** A source of one target's loader; equal sources are the same template (FreeMarker's cache relies on it). */
    private record Source(TemplateLoader loader, Object source, boolean bundled) {
    }
}
