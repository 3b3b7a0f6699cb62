package io.lbsync.install;

import io.lbsync.config.TargetKind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a config file holds, for GET /status: its SHA-256 (as {@code sha256sum} prints it), its size, and how many
 * backends and servers it declares, counted in the text itself (so whatever template made it):
 * <ul>
 * <li>HAProxy: {@code backend} and {@code listen} sections; {@code server} lines in them, except those marked
 * {@code disabled}. {@code server-template} lines (DNS mode) are not servers: HAProxy fills them at run time.</li>
 * <li>nginx: {@code upstream} blocks; {@code server} directives inside them, except those marked {@code down} (the
 * bundled template's placeholder for a service without a usable instance).</li>
 * </ul>
 * Comment lines are ignored.
 */
public record ConfigSummary(String sha256, long bytes, int backends, int servers) {
    private static final Pattern WORDS = Pattern.compile("\\s+");

    /** Backends and servers counted in the syntax of the target's kind; a plain file has neither (0). */
    public static ConfigSummary of(TargetKind kind, byte[] config) {
        String text = new String(config, StandardCharsets.UTF_8);
        int[] counts = switch (kind) {
            case NGINX -> nginx(text);
            case HAPROXY -> haproxy(text);
            case FILE -> new int[] {0, 0};
        };
        return new ConfigSummary(sha256(config), config.length, counts[0], counts[1]);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static int[] haproxy(String text) {
        int backends = 0;
        int servers = 0;
        boolean inBackend = false;
        for (String line : (Iterable<String>) text.lines()::iterator) {
            String[] w = words(line);
            if (w.length == 0) {
                continue;
            }
            String keyword = w[0].toLowerCase(Locale.ROOT);
            if (!Character.isWhitespace(line.charAt(0))) { // a section header starts at the margin
                inBackend = keyword.equals("backend") || keyword.equals("listen");
                if (inBackend) {
                    backends++;
                }
            } else if (inBackend && keyword.equals("server") && !contains(w, "disabled")) {
                servers++;
            }
        }
        return new int[] {backends, servers};
    }

    private static int[] nginx(String text) {
        int upstreams = 0;
        int servers = 0;
        int depth = 0;
        int upstreamDepth = -1; // the brace depth inside the current upstream block, -1 outside one
        for (String line : (Iterable<String>) text.lines()::iterator) {
            String code = code(line);
            String[] w = code.isEmpty() ? new String[0] : WORDS.split(code);
            if (w.length == 0) {
                continue;
            }
            if (w[0].equals("upstream") && code.contains("{")) {
                upstreams++;
                upstreamDepth = depth + 1;
            } else if (depth == upstreamDepth && w[0].equals("server") && !contains(w, "down;") && !contains(w, "down")) {
                servers++;
            }
            for (char c : code.toCharArray()) {
                if (c == '{') {
                    depth++;
                } else if (c == '}') {
                    depth--;
                    if (depth < upstreamDepth) {
                        upstreamDepth = -1;
                    }
                }
            }
        }
        return new int[] {upstreams, servers};
    }

    /** The words of a line before any comment; none for a blank or comment line. */
    private static String[] words(String line) {
        String code = code(line);
        return code.isEmpty() ? new String[0] : WORDS.split(code);
    }

    private static String code(String line) {
        int hash = line.indexOf('#');
        return (hash < 0 ? line : line.substring(0, hash)).strip();
    }

    private static boolean contains(String[] words, String word) {
        for (String w : words) {
            if (w.equals(word)) {
                return true;
            }
        }
        return false;
    }
}
