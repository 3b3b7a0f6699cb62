package io.lbsync.consulsim;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an agent registers: Consul's agent service definition, immutable.
 * Jackson reads and writes it in Consul's own JSON (ID, Name, Tags, Address, Port, Meta, Weights, Check, Checks),
 * matching keys case-insensitively like Consul does; see {@link ServiceDefinitionJson}.
 *
 * @param id      empty = same as name (Consul's default)
 * @param address empty = clients use the node address
 * @param weights null = not given: the agent registers {@link ServiceWeights#DEFAULT}
 */
public record ServiceDefinition(String id, String name, List<String> tags, String address, int port,
                                Map<String, String> meta, List<CheckDefinition> checks, ServiceWeights weights) {

    public ServiceDefinition {
        id = id == null ? "" : id;
        name = name == null ? "" : name;
        tags = tags == null ? List.of() : List.copyOf(tags);
        address = address == null ? "" : address;
        meta = ConsulJson.sorted(meta);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    public static ServiceDefinition of(String id, String name, String address, int port) {
        return new ServiceDefinition(id, name, List.of(), address, port, Map.of(), List.of(), null);
    }

    public ServiceDefinition withTags(String... newTags) {
        return new ServiceDefinition(id, name, List.of(newTags), address, port, meta, checks, weights);
    }

    public ServiceDefinition withMeta(Map<String, String> newMeta) {
        return new ServiceDefinition(id, name, tags, address, port, newMeta, checks, weights);
    }

    public ServiceDefinition withCheck(CheckDefinition check) {
        List<CheckDefinition> all = new ArrayList<>(checks);
        all.add(check);
        return new ServiceDefinition(id, name, tags, address, port, meta, all, weights);
    }

    /** Consul's "Weights": {"Passing": passing, "Warning": warning}; the agent refuses invalid ones (400). */
    public ServiceDefinition withWeights(int passing, int warning) {
        return new ServiceDefinition(id, name, tags, address, port, meta, checks, new ServiceWeights(passing, warning));
    }

    /** The weights Consul stores: the given ones, or its default {1, 1}. */
    public ServiceWeights effectiveWeights() {
        return weights == null ? ServiceWeights.DEFAULT : weights;
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
