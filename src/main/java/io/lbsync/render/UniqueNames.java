package io.lbsync.render;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Hands out names that are unique within one scope (a config's backends, a backend's servers), ignoring case:
 * nginx compares upstream names without case ("Web" and "web" are a duplicate upstream to it).
 */
final class UniqueNames {
    private final Set<String> used = new HashSet<>();

    /** The identifier itself, or with "_2", "_3"... appended when already taken in any case (e.g. after sanitising). */
    String claim(String identifier) {
        String name = identifier;
        for (int n = 2; !used.add(name.toLowerCase(Locale.ROOT)); n++) {
            name = identifier + "_" + n;
        }
        return name;
    }
}
