package io.lbsync.model;

import java.util.concurrent.atomic.AtomicReference;

/** Holds the latest complete state; watch routes update it, render routes read it. */
public class ConsulStateStore {
    private final AtomicReference<ConsulState> current = new AtomicReference<>();

    /** Called by the catalog watch route; returns the new state to pass on. */
    public ConsulState updateCatalog(CatalogSnapshot catalog) {
        return current.updateAndGet(old -> new ConsulState(catalog));
    }

    /** Null until every watch has synced once: nothing is rendered before that. */
    public ConsulState current() {
        return current.get();
    }
}
