package io.lbsync.render;

/** A template failed to render: nothing is installed. */
public class TemplateRenderException extends RuntimeException {
    public TemplateRenderException(String message, Throwable cause) {
        super(message, cause);
    }
}
