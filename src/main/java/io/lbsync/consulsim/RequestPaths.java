package io.lbsync.consulsim;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What real Consul 1.9 answers before any endpoint sees a path: a control character in the (decoded) path is 400 with
 * no body; a path with "." or ".." segments or an empty segment is redirected (301) to its cleaned form, as Go's
 * http.ServeMux does — which is how a service named "..", ".", or a K/V key with "//" cannot be read back by path.
 */
final class RequestPaths {
    private RequestPaths() {
    }

    static boolean hasControlCharacter(String decodedPath) {
        return decodedPath.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }

    /** Go's path.Clean, keeping a trailing slash (ServeMux's cleanPath). */
    static String clean(String path) {
        if (path.isEmpty()) {
            return "/";
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String s : path.split("/", -1)) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                segments.pollLast(); // ".." at the root stays at the root
                continue;
            }
            segments.addLast(s);
        }
        String clean = "/" + String.join("/", segments);
        return path.endsWith("/") && !clean.equals("/") ? clean + "/" : clean;
    }
}
