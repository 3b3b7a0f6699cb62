package io.lbsync.render;

import java.util.HashSet;
import java.util.Set;

/** Hands out names that are unique within one scope (a config's backends, a backend's servers). */
final class UniqueNames {
    private final Set<String> used = new HashSet<>();

    /** The identifier itself, or with "_2", "_3"... appended when already taken (e.g. after sanitising). */
    String claim(String identifier) {
        String name = identifier;
        for (int n = 2; !used.add(name); n++) {
            name = identifier + "_" + n;
        }
        return name;
    }
}
