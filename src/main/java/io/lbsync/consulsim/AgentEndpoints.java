package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** /v1/agent/*: act on the receiving agent's own local state. No X-Consul-Index here, as in Consul. */
final class AgentEndpoints {
    private static final Set<String> GET = Set.of("GET");
    private static final Set<String> PUT = Set.of("PUT");

    private final Cluster cluster;

    AgentEndpoints(Cluster cluster) {
        this.cluster = cluster;
    }

    void addTo(Router r) {
        r.exact("/v1/agent/self", GET, this::self)
                .exact("/v1/agent/members", GET, this::members)
                .exact("/v1/agent/services", GET, this::services)
                .prefix("/v1/agent/service/", GET, this::service)
                .exact("/v1/agent/service/register", PUT, this::register)
                .prefix("/v1/agent/service/deregister/", PUT, this::deregister)
                .prefix("/v1/agent/service/maintenance/", PUT, this::serviceMaintenance)
                .exact("/v1/agent/maintenance", PUT, this::nodeMaintenance)
                .exact("/v1/agent/checks", GET, this::checks)
                .prefix("/v1/agent/check/pass/", PUT, req -> ttlUpdate(req, "/v1/agent/check/pass/", CatalogCheck.PASSING))
                .prefix("/v1/agent/check/warn/", PUT, req -> ttlUpdate(req, "/v1/agent/check/warn/", CatalogCheck.WARNING))
                .prefix("/v1/agent/check/fail/", PUT, req -> ttlUpdate(req, "/v1/agent/check/fail/", CatalogCheck.CRITICAL))
                .prefix("/v1/agent/check/update/", PUT, this::checkUpdate);
    }

    private ApiResponse self(ApiRequest req) throws ApiException {
        if (!req.policy().agent().canRead()) {
            throw ApiException.permissionDenied();
        }
        LocalAgent a = req.agent();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Datacenter", a.datacenter());
        config.put("NodeName", a.nodeName());
        config.put("NodeID", a.nodeId());
        config.put("Revision", "simulator");
        config.put("Server", a.isServer());
        config.put("Version", "1.10.0");
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("Config", config);
        self.put("Member", JsonShapes.member(a));
        self.put("Stats", Map.of());
        self.put("Meta", Map.of("consul-network-segment", ""));
        return ApiResponse.json(self, req.pretty());
    }

    private ApiResponse members(ApiRequest req) throws ApiException {
        TokenPolicy policy = req.policy();
        List<Object> out = new ArrayList<>();
        if (policy.node().canRead()) {
            cluster.agents().forEach(a -> out.add(JsonShapes.member(a)));
        }
        return ApiResponse.json(out, req.pretty());
    }

    private ApiResponse services(ApiRequest req) throws ApiException {
        TokenPolicy policy = req.policy();
        Map<String, Object> out = new TreeMap<>();
        if (policy.service().canRead()) {
            cluster.store.locked(() -> req.agent().services().forEach(
                    s -> out.put(s.id(), JsonShapes.agentService(s.definition, cluster.datacenter))));
        }
        return ApiResponse.json(out, req.pretty());
    }

    private ApiResponse service(ApiRequest req) throws ApiException {
        String id = req.pathAfter("/v1/agent/service/");
        TokenPolicy policy = req.policy();
        LocalService s = cluster.store.locked(() -> req.agent().service(id));
        if (s == null) {
            return ApiResponse.text(404, "unknown service ID: " + id);
        }
        if (!policy.service().canRead()) {
            throw ApiException.permissionDenied();
        }
        return ApiResponse.json(JsonShapes.agentService(s.definition, cluster.datacenter), req.pretty());
    }

    private ApiResponse register(ApiRequest req) throws ApiException {
        ServiceDefinition def = ServiceDefinitionJson.read(ConsulJson.parse(req.body()));
        boolean replace = req.boolParam("replace-existing-checks", "Invalid value for ?replace-existing-checks");
        req.agent().register(def, replace, req.policy());
        return ApiResponse.empty(200);
    }

    private ApiResponse deregister(ApiRequest req) throws ApiException {
        req.agent().deregister(req.pathAfter("/v1/agent/service/deregister/"), req.policy(), req.aclEnabled());
        return ApiResponse.empty(200);
    }

    private ApiResponse serviceMaintenance(ApiRequest req) throws ApiException {
        String id = req.pathAfter("/v1/agent/service/maintenance/");
        if (id.isEmpty()) {
            throw ApiException.badRequest("Missing service ID");
        }
        boolean enable = req.requiredBoolParam("enable");
        req.agent().serviceMaintenance(id, enable, reason(req), req.policy(), req.aclEnabled());
        return ApiResponse.empty(200);
    }

    private ApiResponse nodeMaintenance(ApiRequest req) throws ApiException {
        boolean enable = req.requiredBoolParam("enable");
        req.agent().nodeMaintenance(enable, reason(req), req.policy());
        return ApiResponse.empty(200);
    }

    private static String reason(ApiRequest req) {
        String reason = req.param("reason");
        return reason == null ? "" : reason;
    }

    private ApiResponse checks(ApiRequest req) throws ApiException {
        TokenPolicy policy = req.policy();
        Map<String, Object> out = new TreeMap<>();
        cluster.store.locked(() -> req.agent().checks().forEach(c -> {
            boolean readable = c.serviceId.isEmpty() ? policy.node().canRead() : policy.service().canRead();
            if (readable) {
                out.put(c.id, JsonShapes.check(req.agent().catalogCheck(c)));
            }
        }));
        return ApiResponse.json(out, req.pretty());
    }

    private ApiResponse ttlUpdate(ApiRequest req, String prefix, String status) throws ApiException {
        String note = req.param("note");
        req.agent().updateCheck(req.pathAfter(prefix), status, note == null ? "" : note, req.policy(), req.aclEnabled());
        return ApiResponse.empty(200);
    }

    private ApiResponse checkUpdate(ApiRequest req) throws ApiException {
        JsonNode body = ConsulJson.object(ConsulJson.parse(req.body()), "agent.checkUpdate");
        String status = ConsulJson.string(body, "Status");
        if (!CatalogCheck.validStatus(status)) {
            throw ApiException.badRequest("Invalid check status: '" + status + "'");
        }
        String output = ConsulJson.string(body, "Output");
        req.agent().updateCheck(req.pathAfter("/v1/agent/check/update/"), status, output, req.policy(), req.aclEnabled());
        return ApiResponse.empty(200);
    }
}
