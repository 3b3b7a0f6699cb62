package io.lbsync.render;

import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapper;
import freemarker.template.TemplateModel;
import freemarker.template.TemplateModelException;

/**
 * FreeMarker's default object wrapper (the one {@link Configuration#VERSION_2_3_34} would use), except that a map of the
 * template model that keeps its values' template models ({@link PrewrappedHash}) is handed over as such, not wrapped
 * again. One instance serves every configuration: it holds no state of its own.
 */
final class PrewrappingObjectWrapper extends DefaultObjectWrapper {
    static final PrewrappingObjectWrapper INSTANCE = new PrewrappingObjectWrapper();

    private PrewrappingObjectWrapper() {
        super(Configuration.VERSION_2_3_34);
        writeProtect(); // shared: no setting may change after this
    }

    @Override
    public TemplateModel wrap(Object obj) throws TemplateModelException {
        return obj instanceof PrewrappedHash hash ? hash.templateModel() : super.wrap(obj);
    }
}
