package io.lbsync.model;

/** Everything a template may use, as of one moment: the catalog snapshot (K/V joins it later). */
public record ConsulState(CatalogSnapshot catalog) {
}
