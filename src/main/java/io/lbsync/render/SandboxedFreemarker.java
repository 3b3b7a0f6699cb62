package io.lbsync.render;

import freemarker.cache.TemplateLoader;
import freemarker.core.PlainTextOutputFormat;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.TemplateExceptionHandler;
import java.util.Locale;

/**
 * The one FreeMarker configuration lbsync renders with (the freemarker: component's {@code configuration} and
 * {@link TemplateRenderer}): templates cannot instantiate classes or reach the Java API behind the model, numbers
 * come out as a machine reads them, errors are thrown, never printed into the output. Templates are cached and read
 * again as soon as their file changes (update delay 0): an operator's edit takes effect on the next render.
 */
public final class SandboxedFreemarker {
    private SandboxedFreemarker() {
    }

    public static Configuration create(TemplateLoader loader) {
        Configuration c = new Configuration(Configuration.VERSION_2_3_34);
        c.setDefaultEncoding("UTF-8");
        c.setObjectWrapper(PrewrappingObjectWrapper.INSTANCE); // the default one, but reused model entries are not wrapped again
        c.setOutputFormat(PlainTextOutputFormat.INSTANCE);
        // "18090", never the locale's "18,090" (which breaks a listen port)
        c.setNumberFormat("computer");
        c.setLocale(Locale.ROOT);
        c.setLocalizedLookup(false);
        c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        c.setLogTemplateExceptions(false);
        c.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        c.setAPIBuiltinEnabled(false);
        c.setTemplateUpdateDelayMilliseconds(0);
        c.setTemplateLoader(loader);
        return c;
    }
}
