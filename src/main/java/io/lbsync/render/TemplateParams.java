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
    /** Property suffix of the raw-value opt-in: lbsync.&lt;target&gt;.allow-raw-values (default false). */
    public static final String ALLOW_RAW_VALUES = "allow-raw-values";

    private final String target;
    private final String prefix;
    private final Function<String, Optional<String>> lookup;

    public TemplateParams(String target, Function<String, Optional<String>> lookup) {
        this.target = target;
        this.prefix = "lbsync." + target + ".param.";
        this.lookup = lookup;
    }

    /** The target these parameters belong to ("haproxy", "nginx"). Not visible to templates. */
    public String target() {
        return target;
    }

    /**
     * lbsync.&lt;target&gt;.allow-raw-values: whether the model carries the untrusted values as Consul returned them
     * ({@code server.raw}, {@code service.raw}, {@code site.raw}). Only "true" (any case) enables it; unset,
     * empty or anything else leaves it off. Read on every render, like the parameters.
     */
    public boolean allowRawValues() {
        return lookup.apply("lbsync." + target + "." + ALLOW_RAW_VALUES).map(String::trim).map("true"::equalsIgnoreCase).orElse(false);
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
