package io.lbsync.model;

/**
 * Everything a template may use, as of one moment: the catalog snapshot and the K/V subtree.
 *
 * @param seenNanos {@link System#nanoTime()} when lbsync saw the newest change in it (for change-to-install latency)
 */
public record ConsulState(CatalogSnapshot catalog, KvSnapshot kv, long seenNanos) {

    /** A state seen just now. */
    public ConsulState(CatalogSnapshot catalog, KvSnapshot kv) {
        this(catalog, kv, System.nanoTime());
    }
}
