package io.lbsync.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole K/V subtree under the watched prefix, immutable: key (relative to the prefix) → decoded value.
 * Values are untrusted text; templates only see what the site parser validated from them.
 */
public record KvSnapshot(long index, String prefix, SortedMap<String, String> entries) {

    public KvSnapshot {
        entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }

    public static KvSnapshot of(long index, String prefix, Map<String, String> entries) {
        return new KvSnapshot(index, prefix, new TreeMap<>(entries));
    }

    public static KvSnapshot empty(String prefix) {
        return of(0, prefix, Map.of());
    }

    /** Same keys and values; the index is ignored. */
    public boolean sameDataAs(KvSnapshot other) {
        return other != null && entries.equals(other.entries);
    }

    /** The entries under a sub-path ("sites/"), with that path removed from their keys. */
    public SortedMap<String, String> under(String path) {
        SortedMap<String, String> result = new TreeMap<>();
        entries.forEach((k, v) -> {
            if (k.startsWith(path) && k.length() > path.length()) {
                result.put(k.substring(path.length()), v);
            }
        });
        return Collections.unmodifiableSortedMap(result);
    }
}
