package io.lbsync.model;

/**
 * Everything a template may use, as of one moment: the local datacenter's catalog snapshot, the K/V subtree and the
 * other datacenters' catalogs (backup servers; none unless lbsync.consul.datacenters lists some).
 *
 * @param seenNanos {@link System#nanoTime()} when lbsync saw the newest change in it (for change-to-install latency)
 */
public record ConsulState(CatalogSnapshot catalog, KvSnapshot kv, long seenNanos, RemoteCatalogs remote) {

    public ConsulState(CatalogSnapshot catalog, KvSnapshot kv, long seenNanos) {
        this(catalog, kv, seenNanos, RemoteCatalogs.NONE);
    }

    /** A state seen just now. */
    public ConsulState(CatalogSnapshot catalog, KvSnapshot kv) {
        this(catalog, kv, System.nanoTime());
    }
}
