package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps Consul's agent-register JSON to {@link ServiceDefinition} and back. */
final class ServiceDefinitionJson {
    /** Check kinds Consul runs itself; the simulator cannot, so it refuses them instead of faking health. */
    private static final List<String> PROBING_FIELDS =
            List.of("HTTP", "TCP", "Args", "ScriptArgs", "GRPC", "H2PING", "DockerContainerID", "AliasNode", "AliasService");

    private ServiceDefinitionJson() {
    }

    static ServiceDefinition read(JsonNode json) {
        JsonNode obj = ConsulJson.object(json, "structs.ServiceDefinition");
        List<CheckDefinition> checks = new ArrayList<>();
        JsonNode single = ConsulJson.field(obj, "Check");
        if (single != null) {
            addIfNotEmpty(checks, readCheck(ConsulJson.object(single, "structs.CheckType")));
        }
        JsonNode many = ConsulJson.field(obj, "Checks");
        if (many != null) {
            if (!many.isArray()) {
                throw ConsulJson.decodeFailed("json: cannot unmarshal object into Go struct field .Checks of type structs.CheckTypes");
            }
            for (JsonNode c : many) {
                addIfNotEmpty(checks, readCheck(ConsulJson.object(c, "structs.CheckType")));
            }
        }
        return new ServiceDefinition(
                ConsulJson.string(obj, "ID"),
                ConsulJson.string(obj, "Name"),
                ConsulJson.strings(obj, "Tags"),
                ConsulJson.string(obj, "Address"),
                (int) ConsulJson.number(obj, "Port"),
                ConsulJson.stringMap(obj, "Meta"),
                checks,
                ServiceWeights.read(obj, "", "Weights"));
    }

    private static CheckDefinition readCheck(JsonNode c) {
        for (String field : PROBING_FIELDS) {
            if (ConsulJson.has(c, field)) {
                throw new IllegalArgumentException(
                        "Invalid check: the Consul simulator only supports TTL checks (got " + field + ")");
            }
        }
        String id = ConsulJson.string(c, "CheckID");
        if (id.isEmpty()) {
            id = ConsulJson.string(c, "ID");
        }
        return new CheckDefinition(id, ConsulJson.string(c, "Name"), ConsulJson.duration(c, "TTL"),
                ConsulJson.string(c, "Status"), ConsulJson.string(c, "Notes"));
    }

    /** Consul drops an all-empty check object (CheckType.Empty()). */
    private static void addIfNotEmpty(List<CheckDefinition> checks, CheckDefinition c) {
        boolean empty = c.id().isEmpty() && c.name().isEmpty() && c.ttl() == null && c.status().isEmpty() && c.notes().isEmpty();
        if (!empty) {
            checks.add(c);
        }
    }

    static Map<String, Object> write(ServiceDefinition def) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!def.id().isEmpty()) {
            out.put("ID", def.id());
        }
        out.put("Name", def.name());
        out.put("Tags", def.tags());
        out.put("Address", def.address());
        out.put("Port", def.port());
        out.put("Meta", def.meta());
        if (def.weights() != null) {
            out.put("Weights", def.weights().toJson());
        }
        if (!def.checks().isEmpty()) {
            List<Map<String, Object>> checks = new ArrayList<>();
            for (CheckDefinition c : def.checks()) {
                Map<String, Object> check = new LinkedHashMap<>();
                if (!c.id().isEmpty()) {
                    check.put("CheckID", c.id());
                }
                if (!c.name().isEmpty()) {
                    check.put("Name", c.name());
                }
                Duration ttl = c.ttl();
                if (ttl != null) {
                    check.put("TTL", GoDuration.format(ttl));
                }
                if (!c.status().isEmpty()) {
                    check.put("Status", c.status());
                }
                if (!c.notes().isEmpty()) {
                    check.put("Notes", c.notes());
                }
                checks.add(check);
            }
            out.put("Checks", checks);
        }
        return out;
    }
}
