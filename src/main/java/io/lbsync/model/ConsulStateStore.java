package io.lbsync.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    /** lbsync.consul.datacenters, local first (empty: one datacenter); the others' last complete snapshots. */
    private List<String> datacenters = List.of();
    private final Map<String, CatalogSnapshot> remote = new HashMap<>();
    private long changeSeenNanos = System.nanoTime();

    /** @param kvWatched whether a K/V watch runs (lbsync.kv.enabled); if not, templates see an empty K/V tree */
    public ConsulStateStore(boolean kvWatched, String kvPrefix) {
        this.kvWatched = kvWatched;
        this.kvPrefix = kvPrefix;
    }

    /** The datacenters served, in order, the local one first (see {@link RemoteCatalogs}). */
    public synchronized void datacenters(List<String> order) {
        datacenters = List.copyOf(order);
    }

    /**
     * Called by the catalog watch routes (the local one, and one per other datacenter); returns the state to pass on, or
     * null while the local catalog or the K/V has not synced (other datacenters are never waited for).
     */
    public synchronized ConsulState updateCatalog(CatalogSnapshot snapshot) {
        if (!snapshot.datacenter().isEmpty()) {
            remote.put(snapshot.datacenter(), snapshot);
            changeSeenNanos = System.nanoTime();
            return current();
        }
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
        return new ConsulState(catalog, kvWatched ? kv : KvSnapshot.empty(kvPrefix), changeSeenNanos, remoteCatalogs());
    }

    private RemoteCatalogs remoteCatalogs() {
        if (datacenters.size() < 2) {
            return RemoteCatalogs.NONE;
        }
        Map<String, CatalogSnapshot> inOrder = new LinkedHashMap<>();
        datacenters.stream().skip(1).filter(remote::containsKey).forEach(dc -> inOrder.put(dc, remote.get(dc)));
        return new RemoteCatalogs(datacenters, inOrder);
    }
}
