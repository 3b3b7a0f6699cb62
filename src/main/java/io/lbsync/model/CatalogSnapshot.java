package io.lbsync.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable, complete view of the watched catalog: every service with every registration and its health.
 * Only built from fully successful reads, so a Consul failure can never produce an empty or partial snapshot.
 *
 * @param index the highest Consul index the data was read at (monotonic across snapshots of one watch)
 * @param datacenter the datacenter it was read from: "" = the local one (lbsync.consul.datacenters' first, or the
 *                   agent's own), else one of the others, whose instances are backup servers
 */
public record CatalogSnapshot(long index, SortedMap<String, ServiceInstances> services, String datacenter) {

    public CatalogSnapshot {
        services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
        datacenter = datacenter == null ? "" : datacenter;
    }

    public static CatalogSnapshot of(long index, Map<String, ServiceInstances> services) {
        return of(index, services, "");
    }

    public static CatalogSnapshot of(long index, Map<String, ServiceInstances> services, String datacenter) {
        return new CatalogSnapshot(index, new TreeMap<>(services), datacenter);
    }

    /** True when membership, addresses, tags, meta or health differ; the index is ignored. */
    public boolean sameDataAs(CatalogSnapshot other) {
        if (other == null || !services.keySet().equals(other.services.keySet())) {
            return false;
        }
        return services.entrySet().stream().allMatch(e -> e.getValue().sameDataAs(other.services.get(e.getKey())));
    }

    public int instanceCount() {
        return services.values().stream().mapToInt(s -> s.instances().size()).sum();
    }
}
