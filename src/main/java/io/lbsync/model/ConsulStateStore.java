package io.lbsync.model;

/**
 * Holds the latest catalog and K/V snapshots; watch routes update it, render routes get the combined state.
 * Nothing is handed on before every enabled watch has synced once, so a template never sees a catalog without
 * its K/V (or the reverse) at start-up.
 */
public class ConsulStateStore {
    private final boolean kvWatched;
    private final String kvPrefix;
    private CatalogSnapshot catalog;
    private KvSnapshot kv;
    private long changeSeenNanos = System.nanoTime();

    /** @param kvWatched whether a K/V watch runs (lbsync.kv.enabled); if not, templates see an empty K/V tree */
    public ConsulStateStore(boolean kvWatched, String kvPrefix) {
        this.kvWatched = kvWatched;
        this.kvPrefix = kvPrefix;
    }

    /** Called by the catalog watch route; returns the state to pass on, or null while another watch has not synced. */
    public synchronized ConsulState updateCatalog(CatalogSnapshot snapshot) {
        catalog = snapshot;
        changeSeenNanos = System.nanoTime(); // the watches hand on real changes only
        return current();
    }

    /** Called by the K/V watch route; same contract as {@link #updateCatalog}. */
    public synchronized ConsulState updateKv(KvSnapshot snapshot) {
        kv = snapshot;
        changeSeenNanos = System.nanoTime();
        return current();
    }

    /**
     * Null until every watch has synced once: nothing is rendered before that. Render routes read the state here
     * rather than from the message that woke them: two watches signalling at once may arrive out of order.
     */
    public synchronized ConsulState current() {
        if (catalog == null || kvWatched && kv == null) {
            return null;
        }
        return new ConsulState(catalog, kvWatched ? kv : KvSnapshot.empty(kvPrefix), changeSeenNanos);
    }
}
