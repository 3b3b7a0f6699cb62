package io.lbsync.model;

/** Everything a template may use, as of one moment: the catalog snapshot and the K/V subtree. */
public record ConsulState(CatalogSnapshot catalog, KvSnapshot kv) {
}
