package io.lbsync.render;

import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapper;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;

/**
 * FreeMarker's default object wrapper (the one {@link Configuration#VERSION_2_3_34} would use), except that a map or list
 * of the template model made template models once ({@link PrewrappedHash}) is handed over as such, not wrapped again.
 */
final class PrewrappingObjectWrapper extends DefaultObjectWrapper {
    /** A model value that carries its own template model. */
    interface Prewrapped {
        TemplateModel templateModel();
    }

    PrewrappingObjectWrapper() {
        super(Configuration.VERSION_2_3_34);
    }

    @Override
    public TemplateModel wrap(Object obj) throws TemplateModelException {
        return obj instanceof Prewrapped prewrapped ? prewrapped.templateModel() : super.wrap(obj);
    }
}
