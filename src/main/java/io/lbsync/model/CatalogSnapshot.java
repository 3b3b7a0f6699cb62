package io.lbsync.model;

import java.util.Collections;
import java.util.Iterator;
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
        // copied once, by the constructor; a TreeMap in natural order is copied in one pass, without comparing names
        return new CatalogSnapshot(index, services instanceof TreeMap<String, ServiceInstances> sorted && sorted.comparator() == null
                ? sorted : new TreeMap<>(services), datacenter);
    }

    /** True when membership, addresses, tags, meta or health differ; the index is ignored. */
    public boolean sameDataAs(CatalogSnapshot other) {
        if (other == null || services.size() != other.services.size()) {
            return false;
        }
        // both sorted by name: walked side by side (once per change, over every service: no lookups)
        Iterator<Map.Entry<String, ServiceInstances>> theirs = other.services.entrySet().iterator();
        for (Map.Entry<String, ServiceInstances> mine : services.entrySet()) {
            Map.Entry<String, ServiceInstances> their = theirs.next();
            if (!mine.getKey().equals(their.getKey()) || !mine.getValue().sameDataAs(their.getValue())) {
                return false;
            }
        }
        return true;
    }

    public int instanceCount() {
        return services.values().stream().mapToInt(s -> s.instances().size()).sum();
    }
}
