package io.lbsync.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The other datacenters (lbsync.consul.datacenters): their order of preference, the local one first, and the last
 * complete snapshot of each remote one that has synced at least once. A datacenter that fails keeps its last snapshot
 * here (its watch never hands on an empty or partial one); one that never answered is simply absent.
 */
public record RemoteCatalogs(List<String> order, Map<String, CatalogSnapshot> snapshots) {
    public static final RemoteCatalogs NONE = new RemoteCatalogs(List.of(), Map.of());

    public RemoteCatalogs {
        order = List.copyOf(order);
        snapshots = Collections.unmodifiableMap(new LinkedHashMap<>(snapshots));
    }

    /** The local datacenter's name, or "" when only the agent's own datacenter is watched. */
    public String local() {
        return order.isEmpty() ? "" : order.get(0);
    }
}
