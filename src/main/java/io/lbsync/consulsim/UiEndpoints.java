package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The listings Consul's web UI reads, blocking on the nodes, services and checks tables as Consul 1.9 does:
 * /v1/internal/ui/nodes, the node dump (structs.NodeDump) — every node, its service registrations and its checks;
 * /v1/internal/ui/services, a summary per service name ({@link ServiceSummary}).
 */
final class UiEndpoints {
    private static final Set<String> GET = Set.of("GET");

    private final Cluster cluster;

    UiEndpoints(Cluster cluster) {
        this.cluster = cluster;
    }

    void addTo(Router r) {
        r.exact("/v1/internal/ui/nodes", GET, this::nodes)
                .exact("/v1/internal/ui/services", GET, this::services);
    }

    private ApiResponse nodes(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<Object> out = new ArrayList<>();
            if (policy.node().canRead()) {
                List<CatalogNode> nodes = new ArrayList<>(catalog.nodes());
                nodes.sort(Comparator.comparing(CatalogNode::name));
                for (CatalogNode n : nodes) {
                    out.add(nodeInfo(catalog, n, policy.service().canRead()));
                }
            }
            return QueryResult.of(catalog.nodesServicesAndChecksIndex(), out);
        });
    }

    /**
     * UIServices: the instances the token may read (node:read and service:read, per instance in Consul) and ?filter
     * keeps, summed up per service name; null, not [], when none is left (Go's nil slice).
     */
    private ApiResponse services(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        TokenPolicy policy = req.policy();
        Predicate<CatalogService> filter = FieldFilter.parse(req.param("filter"), FieldFilter.SERVICE_INSTANCES);
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<CatalogService> readable = policy.service().canRead() && policy.node().canRead()
                    ? catalog.allInstances().stream().filter(filter).toList() : List.of();
            List<Object> out = new ArrayList<>();
            ServiceSummary.of(catalog, readable).forEach(s -> out.add(JsonShapes.serviceSummary(s)));
            return QueryResult.of(catalog.nodesServicesAndChecksIndex(), out.isEmpty() ? null : out);
        });
    }

    /** structs.NodeInfo: the node's fields, then its services and checks (service-bound ones only with service:read). */
    private static Map<String, Object> nodeInfo(Catalog catalog, CatalogNode n, boolean services) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", n.id());
        m.put("Node", n.name());
        m.put("Address", n.address());
        m.put("TaggedAddresses", n.taggedAddresses());
        m.put("Meta", n.meta());
        List<Object> svcs = new ArrayList<>();
        if (services) {
            catalog.servicesOn(n.name()).forEach(s -> svcs.add(JsonShapes.nodeService(s)));
        }
        m.put("Services", svcs);
        List<CatalogCheck> checks = new ArrayList<>();
        for (CatalogCheck c : catalog.checksOn(n.name())) {
            if (c.isNodeCheck() || services) {
                checks.add(c);
            }
        }
        m.put("Checks", JsonShapes.checks(checks));
        return m;
    }
}
