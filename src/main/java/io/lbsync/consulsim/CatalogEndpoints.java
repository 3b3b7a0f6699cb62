package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** /v1/catalog/*: reads of the shared catalog and the raw catalog writes (which anti-entropy may undo). */
final class CatalogEndpoints {
    private static final Set<String> GET = Set.of("GET");
    private static final Set<String> PUT = Set.of("PUT");

    private final Cluster cluster;

    CatalogEndpoints(Cluster cluster) {
        this.cluster = cluster;
    }

    void addTo(Router r) {
        r.exact("/v1/catalog/register", PUT, this::register)
                .exact("/v1/catalog/deregister", PUT, this::deregister)
                .exact("/v1/catalog/services", GET, this::services)
                .prefix("/v1/catalog/service/", GET, this::service)
                .exact("/v1/catalog/nodes", GET, this::nodes)
                .prefix("/v1/catalog/node/", GET, this::node);
    }

    private ApiResponse services(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            Map<String, Object> out = new TreeMap<>();
            if (policy.service().canRead()) {
                catalog.serviceNames().forEach((name, tags) -> out.put(name, new ArrayList<>(tags)));
            }
            // Reports max(nodes, services) like Consul, but only service changes wake it.
            return new QueryResult(catalog.nodesAndServicesIndex(), catalog.servicesTableIndex(), out, true);
        });
    }

    private ApiResponse service(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String name = req.pathAfter("/v1/catalog/service/");
        if (name.isEmpty()) {
            throw ApiException.badRequest("Missing service name");
        }
        List<String> tags = req.params("tag");
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<Object> out = new ArrayList<>();
            if (policy.service().canRead() && policy.node().canRead()) {
                for (CatalogService s : catalog.instances(name)) {
                    if (s.tags().containsAll(tags)) {
                        catalog.node(s.node()).ifPresent(n -> out.add(JsonShapes.catalogService(n, s)));
                    }
                }
            }
            return QueryResult.of(catalog.serviceIndex(name, false), out);
        });
    }

    private ApiResponse nodes(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<Object> out = new ArrayList<>();
            if (policy.node().canRead()) {
                catalog.nodes().forEach(n -> out.add(JsonShapes.node(n)));
            }
            return QueryResult.of(catalog.nodesIndex(), out);
        });
    }

    private ApiResponse node(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String name = req.pathAfter("/v1/catalog/node/");
        if (name.isEmpty()) {
            throw ApiException.badRequest("Missing node name");
        }
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            Object body = catalog.node(name).filter(n -> policy.node().canRead()).map(n -> {
                Map<String, Object> services = new TreeMap<>();
                if (policy.service().canRead()) {
                    catalog.servicesOn(name).forEach(s -> services.put(s.id(), JsonShapes.nodeService(s)));
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("Node", JsonShapes.node(n));
                m.put("Services", services);
                return (Object) m;
            }).orElse(null);
            return QueryResult.of(catalog.nodesAndServicesIndex(), body);
        });
    }

    private ApiResponse register(ApiRequest req) throws ApiException {
        JsonNode body = ConsulJson.object(ConsulJson.parse(req.body()), "structs.RegisterRequest");
        String node = ConsulJson.string(body, "Node");
        String address = ConsulJson.string(body, "Address");
        boolean skipNodeUpdate = ConsulJson.bool(body, "SkipNodeUpdate");
        if (node.isEmpty()) {
            throw ApiException.rpc("Must provide node");
        }
        if (address.isEmpty() && !skipNodeUpdate) {
            throw ApiException.rpc("Must provide address if SkipNodeUpdate is not set");
        }
        CatalogService service = readService(node, ConsulJson.field(body, "Service"));
        List<JsonNode> checkBodies = new ArrayList<>();
        if (ConsulJson.field(body, "Check") != null) {
            checkBodies.add(ConsulJson.object(ConsulJson.field(body, "Check"), "structs.HealthCheck"));
        }
        JsonNode many = ConsulJson.field(body, "Checks");
        if (many != null && many.isArray()) {
            many.forEach(c -> checkBodies.add(ConsulJson.object(c, "structs.HealthCheck")));
        }
        TokenPolicy policy = req.policy();
        if (!policy.node().canWrite() || service != null && !policy.service().canWrite()) {
            throw ApiException.permissionDenied();
        }
        CatalogNode nodeRow = new CatalogNode(node, ConsulJson.string(body, "ID"), address,
                cluster.datacenter, nullIfEmpty(ConsulJson.stringMap(body, "TaggedAddresses")),
                ConsulJson.stringMap(body, "NodeMeta"), 0, 0);
        ApiException error = cluster.store.write(txn -> {
            Catalog catalog = cluster.catalog;
            if (!skipNodeUpdate) {
                catalog.ensureNode(txn, nodeRow);
            } else if (catalog.node(node).isEmpty()) {
                return ApiException.rpc("Missing node registration");
            }
            if (service != null) {
                catalog.ensureService(txn, service);
            }
            for (JsonNode c : checkBodies) {
                ApiException e = registerCheck(txn, node, c);
                if (e != null) {
                    return e;
                }
            }
            return null;
        });
        if (error != null) {
            throw error;
        }
        return ApiResponse.json(true, req.pretty());
    }

    private static CatalogService readService(String node, JsonNode s) throws ApiException {
        if (s == null) {
            return null;
        }
        ConsulJson.object(s, "structs.NodeService");
        String name = ConsulJson.string(s, "Service");
        String id = ConsulJson.string(s, "ID");
        if (id.isEmpty()) {
            id = name;
        }
        if (!id.isEmpty() && name.isEmpty()) {
            throw ApiException.rpc("Must provide service name with ID");
        }
        // Consul 1.9's catalog endpoint does not refuse invalid weights: it stores its default {1, 1} instead
        ServiceWeights weights = ServiceWeights.read(s, "NodeService", "Service.Weights");
        if (weights != null && weights.problem() != null) {
            weights = null;
        }
        return new CatalogService(node, id, name, ConsulJson.strings(s, "Tags"), ConsulJson.string(s, "Address"),
                (int) ConsulJson.number(s, "Port"), ConsulJson.stringMap(s, "Meta"), weights, 0, 0);
    }

    private ApiException registerCheck(StateStore.Txn txn, String node, JsonNode c) {
        String checkId = ConsulJson.string(c, "CheckID");
        String name = ConsulJson.string(c, "Name");
        if (checkId.isEmpty()) {
            checkId = name;
        }
        String status = ConsulJson.string(c, "Status");
        if (status.isEmpty()) {
            status = CatalogCheck.CRITICAL;
        }
        String serviceId = ConsulJson.string(c, "ServiceID");
        String serviceName = "";
        List<String> serviceTags = List.of();
        if (!serviceId.isEmpty()) {
            var svc = cluster.catalog.service(node, serviceId);
            if (svc.isEmpty()) {
                return ApiException.rpc("Missing service registration");
            }
            serviceName = svc.get().name();
            serviceTags = svc.get().tags();
        }
        cluster.catalog.ensureCheck(txn, new CatalogCheck(node, checkId, name, status, ConsulJson.string(c, "Notes"),
                ConsulJson.string(c, "Output"), serviceId, serviceName, serviceTags, "", 0, 0));
        return null;
    }

    private ApiResponse deregister(ApiRequest req) throws ApiException {
        JsonNode body = ConsulJson.object(ConsulJson.parse(req.body()), "structs.DeregisterRequest");
        String node = ConsulJson.string(body, "Node");
        String serviceId = ConsulJson.string(body, "ServiceID");
        String checkId = ConsulJson.string(body, "CheckID");
        if (node.isEmpty()) {
            throw ApiException.rpc("Must provide node");
        }
        TokenPolicy policy = req.policy();
        boolean allowed = serviceId.isEmpty() ? policy.node().canWrite() : policy.service().canWrite();
        if (!allowed) {
            throw ApiException.permissionDenied();
        }
        cluster.store.write(txn -> {
            if (!serviceId.isEmpty()) {
                cluster.catalog.deleteService(txn, node, serviceId);
            } else if (!checkId.isEmpty()) {
                cluster.catalog.deleteCheck(txn, node, checkId);
            } else {
                cluster.catalog.deleteNode(txn, node);
            }
            return null;
        });
        return ApiResponse.json(true, req.pretty());
    }

    private static Map<String, String> nullIfEmpty(Map<String, String> m) {
        return m.isEmpty() ? null : m;
    }
}
