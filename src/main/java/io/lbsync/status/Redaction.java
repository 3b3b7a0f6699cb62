package io.lbsync.status;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Last line of defence for text lbsync serves about itself (/status, /observe/health): the ACL token never appears.
 * The token only ever travels in a request header, so no message should hold it; this makes sure.
 */
public final class Redaction {
    static final String MASK = "<redacted>";
    private final Supplier<Optional<String>> token;

    /** @param token the ACL token in use now (re-read when it comes from a file) */
    public Redaction(Supplier<Optional<String>> token) {
        this.token = token;
    }

    public String apply(String text) {
        if (text == null) {
            return null;
        }
        Optional<String> t = token.get();
        return t.isPresent() && !t.get().isEmpty() ? text.replace(t.get(), MASK) : text;
    }

    /**
     * Text for a health check's message or detail: redacted, one line (control characters become spaces), at most
     * {@code max} characters. Double quotes become single ones and backslashes slashes: Camel 4.17 escapes a check's
     * message twice, so they would reach the reader as \" and \\ (a slash as \/, which is left as it is).
     */
    public String forHealth(String text, int max) {
        String s = apply(text == null ? "" : text).replace('"', '\'').replace('\\', '/');
        StringBuilder b = new StringBuilder(Math.min(s.length(), max + 3));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (s.length() > max) {
            b.append("...");
        }
        return b.toString();
    }
}
