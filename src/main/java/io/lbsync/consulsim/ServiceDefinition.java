package io.lbsync.consulsim;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an agent registers: Consul's agent service definition, immutable.
 * Jackson reads and writes it in Consul's own JSON (ID, Name, Tags, Address, Port, Meta, Check, Checks),
 * matching keys case-insensitively like Consul does; see {@link ServiceDefinitionJson}.
 *
 * @param id      empty = same as name (Consul's default)
 * @param address empty = clients use the node address
 */
public record ServiceDefinition(String id, String name, List<String> tags, String address, int port,
                                Map<String, String> meta, List<CheckDefinition> checks) {

    public ServiceDefinition {
        id = id == null ? "" : id;
        name = name == null ? "" : name;
        tags = tags == null ? List.of() : List.copyOf(tags);
        address = address == null ? "" : address;
        meta = ConsulJson.sorted(meta);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    public static ServiceDefinition of(String id, String name, String address, int port) {
        return new ServiceDefinition(id, name, List.of(), address, port, Map.of(), List.of());
    }

    public ServiceDefinition withTags(String... newTags) {
        return new ServiceDefinition(id, name, List.of(newTags), address, port, meta, checks);
    }

    public ServiceDefinition withMeta(Map<String, String> newMeta) {
        return new ServiceDefinition(id, name, tags, address, port, newMeta, checks);
    }

    public ServiceDefinition withCheck(CheckDefinition check) {
        List<CheckDefinition> all = new ArrayList<>(checks);
        all.add(check);
        return new ServiceDefinition(id, name, tags, address, port, meta, all);
    }

    /** The ID Consul uses: the given one, or the name. */
    public String effectiveId() {
        return id.isEmpty() ? name : id;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ServiceDefinition fromConsulJson(JsonNode json) {
        return ServiceDefinitionJson.read(json);
    }

    @JsonValue
    public Map<String, Object> toConsulJson() {
        return ServiceDefinitionJson.write(this);
    }
}
