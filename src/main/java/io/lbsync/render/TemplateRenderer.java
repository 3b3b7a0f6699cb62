package io.lbsync.render;

import freemarker.template.Configuration;
import freemarker.template.TemplateException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Renders one template outside a route, with the same sandboxed configuration the install route's freemarker:
 * step uses ({@link SandboxedFreemarker}) — for tests, benchmarks and tools that need a config text without a target.
 * Locations: "classpath:templates/haproxy.cfg.ftl" (bundled) or a file path ("file:" optional).
 */
public final class TemplateRenderer {
    private final String location;
    private final Configuration configuration;
    private final String templateName;

    public TemplateRenderer(String location) {
        this.location = location;
        TargetTemplateLoader loader = new TargetTemplateLoader();
        this.templateName = loader.add("template", location, "template");
        this.configuration = SandboxedFreemarker.create(loader);
    }

    public String render(Map<String, Object> model) {
        try {
            StringWriter out = new StringWriter();
            configuration.getTemplate(templateName).process(model, out);
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
