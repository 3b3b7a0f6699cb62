package io.lbsync.render;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.TemplateLoader;
import freemarker.core.PlainTextOutputFormat;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Renders one FreeMarker template, re-read on every render so an operator's edit takes effect without a
 * restart. Locations: "classpath:templates/haproxy.cfg.ftl" (bundled) or a file path ("file:" optional).
 * Templates cannot instantiate classes or reach the Java API behind the model.
 */
public final class TemplateRenderer {
    private final String location;
    private final Configuration configuration;
    private final String templateName;

    public TemplateRenderer(String location) {
        this.location = location;
        this.configuration = new Configuration(Configuration.VERSION_2_3_34);
        configuration.setDefaultEncoding("UTF-8");
        configuration.setOutputFormat(PlainTextOutputFormat.INSTANCE);
        // Numbers as a machine reads them: "18090", never the locale's "18,090" (which breaks a listen port).
        configuration.setNumberFormat("computer");
        configuration.setLocale(java.util.Locale.ROOT);
        configuration.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        configuration.setLogTemplateExceptions(false);
        configuration.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        configuration.setAPIBuiltinEnabled(false);
        configuration.setTemplateUpdateDelayMilliseconds(0);
        if (location.startsWith("classpath:")) {
            String path = location.substring("classpath:".length()).replaceFirst("^/", "");
            int slash = path.lastIndexOf('/');
            configuration.setTemplateLoader(new ClassTemplateLoader(TemplateRenderer.class.getClassLoader(),
                    slash < 0 ? "" : path.substring(0, slash)));
            templateName = path.substring(slash + 1);
        } else {
            Path file = Path.of(location.startsWith("file:") ? location.substring(5) : location).toAbsolutePath();
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("template " + location + ": cannot read " + file);
            }
            configuration.setTemplateLoader(fileLoader(file.getParent()));
            templateName = file.getFileName().toString();
        }
    }

    private static TemplateLoader fileLoader(Path dir) {
        try {
            return new FileTemplateLoader(dir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("template directory " + dir, e);
        }
    }

    public String render(Map<String, Object> model) {
        try {
            configuration.clearTemplateCache();
            Template template = configuration.getTemplate(templateName);
            StringWriter out = new StringWriter();
            template.process(model, out);
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("template " + location + ": " + e.getMessage(), e);
        } catch (TemplateException e) {
            throw new TemplateRenderException("template " + location + ": " + e.getMessage(), e);
        }
    }

    public String location() {
        return location;
    }
}
