package io.lbsync.cleanup;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Finds suspects in the watched catalog: one service ID under one service name on several nodes (a duplicate
 * registration), and one address:port registered under several IDs of a service (reported only: it may be
 * deliberate, and which ID is the stray cannot be known).
 */
public final class DuplicateFinder {

    public List<Suspect> duplicates(CatalogSnapshot catalog) {
        List<Suspect> out = new ArrayList<>();
        for (ServiceInstances service : catalog.services().values()) {
            Map<String, TreeSet<String>> nodesById = new TreeMap<>();
            for (ServiceInstance i : service.instances()) {
                nodesById.computeIfAbsent(i.id(), k -> new TreeSet<>()).add(i.node());
            }
            nodesById.forEach((id, nodes) -> {
                if (nodes.size() > 1) {
                    out.add(new Suspect(service.service(), id, List.copyOf(nodes)));
                }
            });
        }
        return out;
    }

    public List<SharedEndpoint> sharedEndpoints(CatalogSnapshot catalog) {
        List<SharedEndpoint> out = new ArrayList<>();
        for (ServiceInstances service : catalog.services().values()) {
            Map<String, TreeSet<String>> idsByEndpoint = new TreeMap<>();
            for (ServiceInstance i : service.instances()) {
                idsByEndpoint.computeIfAbsent(i.address() + ":" + i.port(), k -> new TreeSet<>()).add(i.id());
            }
            idsByEndpoint.forEach((endpoint, ids) -> {
                if (ids.size() > 1) {
                    out.add(new SharedEndpoint(service.service(), endpoint, List.copyOf(ids)));
                }
            });
        }
        return out;
    }

    public record Suspect(String service, String id, List<String> nodes) {
    }

    public record SharedEndpoint(String service, String endpoint, List<String> ids) {
    }
}
