package io.lbsync.render;

import freemarker.template.SimpleScalar;
import freemarker.template.TemplateHashModel;
import freemarker.template.TemplateModel;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code param.<name>} in a template: looked up on use as property lbsync.&lt;target&gt;.param.&lt;name&gt; (so any
 * name works and LBSYNC_&lt;TARGET&gt;_PARAM_&lt;NAME&gt; overrides it). Unset → missing, so {@code param.x!"default"} applies.
 * These values come from the operator, not from Consul: they are written as given.
 */
public final class TemplateParams implements TemplateHashModel {
    private final String prefix;
    private final Function<String, Optional<String>> lookup;

    public TemplateParams(String target, Function<String, Optional<String>> lookup) {
        this.prefix = "lbsync." + target + ".param.";
        this.lookup = lookup;
    }

    @Override
    public TemplateModel get(String name) {
        return lookup.apply(prefix + name).map(String::trim).filter(v -> !v.isEmpty()).map(SimpleScalar::new).orElse(null);
    }

    @Override
    public boolean isEmpty() {
        return false;
    }
}
