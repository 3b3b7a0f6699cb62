package io.lbsync.consul;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.model.CheckState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.Weights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.lbsync.model.ServiceListing;
import io.lbsync.model.ServiceSummaries;

/**
 * Consul's answers parsed, once, into lbsync's model (io.lbsync.model). Every user of an endpoint reads it through here:
 * the watch and the cleanup read {@code /v1/health/service/:name} with {@link #healthService}. A body of the wrong
 * shape is a {@link ConsulBadResponseException}, never empty data.
 */
public final class ConsulAnswers {
    private ConsulAnswers() {
    }

    /** GET /v1/catalog/services: service name → tags. */
    public static Map<String, List<String>> services(ConsulResponse r) {
        JsonNode body = r.json();
        if (!body.isObject()) {
            throw new ConsulBadResponseException(r.path(), "not a JSON object");
        }
        Map<String, List<String>> services = new LinkedHashMap<>();
        body.fields().forEachRemaining(e -> services.put(e.getKey(), strings(r, e.getValue())));
        return services;
    }

    /** GET /v1/health/state/any (or /v1/health/checks/...): each check's node, ID, service and status. */
    public static List<CheckState> checks(ConsulResponse r) {
        List<CheckState> checks = new ArrayList<>();
        for (JsonNode c : array(r)) {
            checks.add(new CheckState(text(c, "Node"), text(c, "CheckID"), text(c, "ServiceName"), text(c, "ServiceID"),
                    text(c, "Status")));
        }
        return checks;
    }

    /**
     * GET /v1/health/service/:name: every registration, its address (the node's when it has none), and its health: the
     * worst of its own and its node's checks. Consul matches the name ignoring case: callers that want one service only
     * filter on {@link ServiceInstance#service()}.
     */
    public static List<HealthEntry> healthService(ConsulResponse r) {
        List<HealthEntry> entries = new ArrayList<>();
        for (JsonNode entry : array(r)) {
            JsonNode node = entry.path("Node");
            JsonNode svc = entry.path("Service");
            if (!node.isObject() || !svc.isObject()) {
                throw new ConsulBadResponseException(r.path(), "an entry without Node or Service");
            }
            List<HealthStatus> statuses = new ArrayList<>();
            for (JsonNode check : entry.path("Checks")) {
                statuses.add(HealthStatus.of(text(check, "Status")));
            }
            Map<String, String> meta = new HashMap<>();
            svc.path("Meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText("")));
            ServiceInstance instance = ServiceInstance.of(text(svc, "Service"), text(svc, "ID"), text(node, "Node"),
                    text(node, "Address"), text(svc, "Address"), svc.path("Port").asInt(), strings(r, svc.path("Tags")), meta,
                    HealthStatus.worst(statuses)).withWeights(weights(svc.path("Weights"))).inDatacenter(text(node, "Datacenter"));
            entries.add(new HealthEntry(instance, svc.path("CreateIndex").asLong()));
        }
        return entries;
    }

    /** Service.Weights; absent (an older agent, a catalog-only registration) = Consul's default {1, 1}. */
    private static Weights weights(JsonNode w) {
        if (!w.isObject()) {
            return Weights.DEFAULT;
        }
        return new Weights(w.path("Passing").asInt(1), w.path("Warning").asInt(1));
    }

    /**
     * GET /v1/internal/ui/nodes (the node dump Consul's own web UI lists nodes with; every Consul version lbsync supports
     * has it): every node with its service registrations. Only what {@link ServiceListing} needs is kept — service,
     * node, ID and ModifyIndex — read node by node as the body arrives, so the dump of a large catalog never sits in
     * memory, neither as bytes nor as one tree.
     *
     * @param r the answer's status and headers
     * @throws IOException when reading the body fails (not when it is no JSON: that is a {@link ConsulBadResponseException})
     */
    public static ServiceListing listing(ConsulResponse r, InputStream body) throws IOException {
        Map<String, Map<String, Long>> registrations = new HashMap<>();
        try (JsonParser p = ConsulResponse.JSON.getFactory().createParser(body)) {
            expect(r, p.nextToken(), JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                listNode(r, p, registrations);
            }
        } catch (JsonProcessingException e) {
            throw new ConsulBadResponseException(r.path(), "not JSON: " + e.getClass().getSimpleName());
        }
        return new ServiceListing(r.index(), registrations);
    }

    /**
     * GET /v1/internal/ui/services: per service, its number of registrations and its tags (Consul 1.9's UIServices; an
     * answer of {@code null} is an empty list). Read token by token as it arrives: the other fields are skipped, never built.
     *
     * @throws IOException like {@link #listing}
     */
    public static ServiceSummaries summaries(ConsulResponse r, InputStream body) throws IOException {
        Map<String, ServiceSummaries.Summary> services = new HashMap<>();
        try (JsonParser p = ConsulResponse.JSON.getFactory().createParser(body)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.VALUE_NULL) {
                expect(r, first, JsonToken.START_ARRAY);
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    String name = null;
                    int instances = 0;
                    List<String> tags = new ArrayList<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken value = p.nextToken();
                        if (field.equals("Name") && value == JsonToken.VALUE_STRING) {
                            name = p.getText();
                        } else if (field.equals("InstanceCount") && value == JsonToken.VALUE_NUMBER_INT) {
                            instances = p.getIntValue();
                        } else if (field.equals("Tags") && value == JsonToken.START_ARRAY) {
                            while (p.nextToken() == JsonToken.VALUE_STRING) {
                                tags.add(p.getText());
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (name == null) {
                        throw new ConsulBadResponseException(r.path(), "a service summary without Name");
                    }
                    services.put(name, new ServiceSummaries.Summary(instances, new java.util.HashSet<>(tags)));
                }
            }
        } catch (JsonProcessingException e) {
            throw new ConsulBadResponseException(r.path(), "not JSON: " + e.getClass().getSimpleName());
        }
        return new ServiceSummaries(r.index(), services);
    }

    /** One node of the dump, token by token (a node may carry thousands of registrations: no tree of it is built). */
    private static void listNode(ConsulResponse r, JsonParser p, Map<String, Map<String, Long>> registrations)
            throws IOException {
        String node = null;
        List<String[]> services = new ArrayList<>(); // {service, id, modifyIndex}: the node's name may come after them
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("Node") && value == JsonToken.VALUE_STRING) {
                node = p.getText();
            } else if (field.equals("Services") && value == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    services.add(listService(p));
                }
            } else {
                p.skipChildren();
            }
        }
        if (node == null) {
            throw new ConsulBadResponseException(r.path(), "a node without a name");
        }
        for (String[] s : services) {
            registrations.computeIfAbsent(s[0], k -> new HashMap<>()).put(node + "/" + s[1], Long.parseLong(s[2]));
        }
    }

    private static String[] listService(JsonParser p) throws IOException {
        String[] s = {"", "", "0"};
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "Service" -> s[0] = p.getValueAsString("");
                case "ID" -> s[1] = p.getValueAsString("");
                case "ModifyIndex" -> s[2] = Long.toString(p.getValueAsLong(0));
                default -> p.skipChildren();
            }
            if (value == null) {
                break;
            }
        }
        return s;
    }

    private static void expect(ConsulResponse r, JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new ConsulBadResponseException(r.path(), "not a JSON " + (expected == JsonToken.START_ARRAY ? "array" : "object"));
        }
    }

    /**
     * GET /v1/kv/&lt;prefix&gt;?recurse: keys relative to the prefix → values decoded from base64 (UTF-8); folders
     * (keys ending in '/') carry no value and are left out. A 404 is an empty subtree.
     */
    public static Map<String, String> kv(ConsulResponse r, String prefix) {
        Map<String, String> entries = new HashMap<>();
        if (r.status() == 404) {
            return entries;
        }
        for (JsonNode v : array(r)) {
            String fullKey = text(v, "Key");
            String key = fullKey.substring(Math.min(prefix.length(), fullKey.length()));
            if (!key.isEmpty() && !key.endsWith("/")) {
                entries.put(key, value(r, v));
            }
        }
        return entries;
    }

    /** One K/V entry's value decoded from base64 (UTF-8); a key without value gives "". */
    public static String value(ConsulResponse r, JsonNode entry) {
        JsonNode value = entry.path("Value");
        if (!value.isTextual()) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(value.asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConsulBadResponseException(r.path(), "a K/V value that is not base64");
        }
    }

    /** The body, which must be a JSON array. */
    public static JsonNode array(ConsulResponse r) {
        JsonNode body = r.json();
        if (!body.isArray()) {
            throw new ConsulBadResponseException(r.path(), "not a JSON array");
        }
        return body;
    }

    private static List<String> strings(ConsulResponse r, JsonNode list) {
        if (list.isNull() || list.isMissingNode()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConsulBadResponseException(r.path(), "a list that is not a JSON array");
        }
        List<String> values = new ArrayList<>();
        list.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNull() || v.isMissingNode() ? "" : v.asText();
    }
}
