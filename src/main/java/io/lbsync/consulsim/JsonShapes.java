package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the JSON objects Consul 1.10 returns (PascalCase keys, Go struct field order). */
final class JsonShapes {
    private JsonShapes() {
    }

    private static Map<String, Object> proxy() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("MeshGateway", Map.of());
        p.put("Expose", Map.of());
        return p;
    }

    /** structs.Node as in /v1/catalog/nodes and the Node of /v1/health/service. */
    static Map<String, Object> node(CatalogNode n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", n.id());
        m.put("Node", n.name());
        m.put("Address", n.address());
        m.put("Datacenter", n.datacenter());
        m.put("TaggedAddresses", n.taggedAddresses());
        m.put("Meta", n.meta());
        m.put("CreateIndex", n.createIndex());
        m.put("ModifyIndex", n.modifyIndex());
        return m;
    }

    /** structs.ServiceNode: one entry of /v1/catalog/service/:name. */
    static Map<String, Object> catalogService(CatalogNode n, CatalogService s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", n.id());
        m.put("Node", n.name());
        m.put("Address", n.address());
        m.put("Datacenter", n.datacenter());
        m.put("TaggedAddresses", n.taggedAddresses());
        m.put("NodeMeta", n.meta());
        m.put("ServiceKind", "");
        m.put("ServiceID", s.id());
        m.put("ServiceName", s.name());
        m.put("ServiceTags", s.tags());
        m.put("ServiceAddress", s.address());
        m.put("ServiceWeights", s.weights().toJson());
        m.put("ServiceMeta", s.meta());
        m.put("ServicePort", s.port());
        m.put("ServiceEnableTagOverride", false);
        m.put("ServiceProxy", proxy());
        m.put("ServiceConnect", Map.of());
        m.put("CreateIndex", s.createIndex());
        m.put("ModifyIndex", s.modifyIndex());
        return m;
    }

    /** structs.NodeService: the Service of /v1/health/service and the values of /v1/catalog/node. */
    static Map<String, Object> nodeService(CatalogService s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", s.id());
        m.put("Service", s.name());
        m.put("Tags", s.tags());
        m.put("Address", s.address());
        m.put("Meta", s.meta());
        m.put("Port", s.port());
        m.put("Weights", s.weights().toJson());
        m.put("EnableTagOverride", false);
        m.put("Proxy", proxy());
        m.put("Connect", Map.of());
        m.put("CreateIndex", s.createIndex());
        m.put("ModifyIndex", s.modifyIndex());
        return m;
    }

    /** structs.HealthCheck. */
    static Map<String, Object> check(CatalogCheck c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Node", c.node());
        m.put("CheckID", c.checkId());
        m.put("Name", c.name());
        m.put("Status", c.status());
        m.put("Notes", c.notes());
        m.put("Output", c.output());
        m.put("ServiceID", c.serviceId());
        m.put("ServiceName", c.serviceName());
        m.put("ServiceTags", c.serviceTags());
        m.put("Type", c.type());
        m.put("Definition", Map.of());
        m.put("CreateIndex", c.createIndex());
        m.put("ModifyIndex", c.modifyIndex());
        return m;
    }

    static List<Map<String, Object>> checks(List<CatalogCheck> checks) {
        List<Map<String, Object>> out = new ArrayList<>();
        checks.forEach(c -> out.add(check(c)));
        return out;
    }

    /** structs.CheckServiceNode: one entry of /v1/health/service/:name. */
    static Map<String, Object> healthEntry(CatalogNode n, CatalogService s, List<CatalogCheck> checks) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Node", node(n));
        m.put("Service", nodeService(s));
        m.put("Checks", checks(checks));
        return m;
    }

    /**
     * agent.ServiceListingSummary (Consul 1.9): one element of /v1/internal/ui/services. Go's nil slices are null (the
     * Tags of an untagged service, ExternalSources); Kind is omitted when empty (every service the simulator knows);
     * the gateway and Connect fields keep their zero values.
     */
    static Map<String, Object> serviceSummary(ServiceSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", s.name());
        m.put("Datacenter", s.datacenter());
        m.put("Tags", nilIfEmpty(s.tags()));
        m.put("Nodes", s.nodes());
        m.put("ExternalSources", nilIfEmpty(s.externalSources()));
        m.put("InstanceCount", s.instanceCount());
        m.put("ChecksPassing", s.checks(CatalogCheck.PASSING));
        m.put("ChecksWarning", s.checks(CatalogCheck.WARNING));
        m.put("ChecksCritical", s.checks(CatalogCheck.CRITICAL));
        m.put("GatewayConfig", Map.of());
        m.put("ConnectedWithProxy", false);
        m.put("ConnectedWithGateway", false);
        return m;
    }

    /** A slice Go built by appending: nil (JSON null) when nothing was appended. */
    private static List<String> nilIfEmpty(List<String> values) {
        return values.isEmpty() ? null : values;
    }

    /** api.AgentService: values of /v1/agent/services. */
    static Map<String, Object> agentService(ServiceDefinition d, String datacenter) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", d.effectiveId());
        m.put("Service", d.name());
        m.put("Tags", d.tags());
        m.put("Meta", d.meta());
        m.put("Port", d.port());
        m.put("Address", d.address());
        m.put("Weights", d.effectiveWeights().toJson());
        m.put("EnableTagOverride", false);
        m.put("Datacenter", datacenter);
        return m;
    }

    /**
     * structs.DirEntry: one element of a /v1/kv answer. Empty values are null, as Go marshals a nil []byte;
     * Session is omitted (omitempty) while nobody holds the key.
     */
    static Map<String, Object> kv(KvEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("LockIndex", e.lockIndex());
        m.put("Key", e.key());
        m.put("Flags", e.flags());
        m.put("Value", e.value().length == 0 ? null : Base64.getEncoder().encodeToString(e.value()));
        if (!e.session().isEmpty()) {
            m.put("Session", e.session());
        }
        m.put("CreateIndex", e.createIndex());
        m.put("ModifyIndex", e.modifyIndex());
        return m;
    }

    /** structs.Session as /v1/session/info, list, node and renew return it; the deprecated Checks only when set. */
    static Map<String, Object> session(SessionEntry s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", s.id());
        m.put("Name", s.name());
        m.put("Node", s.node());
        m.put("LockDelay", s.lockDelay().toNanos());
        m.put("Behavior", s.behavior());
        m.put("TTL", s.ttl());
        m.put("NodeChecks", s.nodeChecks());
        List<Map<String, Object>> serviceChecks = null;
        if (s.serviceChecks() != null) {
            serviceChecks = new ArrayList<>();
            for (SessionEntry.ServiceCheck c : s.serviceChecks()) {
                Map<String, Object> check = new LinkedHashMap<>();
                check.put("ID", c.id());
                check.put("Namespace", c.namespace());
                serviceChecks.add(check);
            }
        }
        m.put("ServiceChecks", serviceChecks);
        if (s.checks() != null && !s.checks().isEmpty()) {
            m.put("Checks", s.checks());
        }
        m.put("CreateIndex", s.createIndex());
        m.put("ModifyIndex", s.modifyIndex());
        return m;
    }

    /** One serf member as /v1/agent/members lists it. */
    static Map<String, Object> member(LocalAgent a) {
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put("build", "1.10.0:sim");
        tags.put("dc", a.datacenter());
        tags.put("id", a.nodeId());
        tags.put("role", a.isServer() ? "consul" : "node");
        tags.put("segment", "");
        tags.put("vsn", "2");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", a.nodeName());
        m.put("Addr", a.nodeAddress());
        m.put("Port", 8301);
        m.put("Tags", tags);
        m.put("Status", 1);
        m.put("ProtocolMin", 1);
        m.put("ProtocolMax", 5);
        m.put("ProtocolCur", 2);
        m.put("DelegateMin", 2);
        m.put("DelegateMax", 5);
        m.put("DelegateCur", 4);
        return m;
    }
}
