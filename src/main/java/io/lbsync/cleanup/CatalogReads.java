package io.lbsync.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Consistent reads (answered by the leader, never stale) that every cleanup decision is made on: the watched
 * snapshot only says where to look, so no deregistration ever acts on data older than the catalog.
 */
public final class CatalogReads {
    private final ConsulApi api;
    private final URI consul;
    private final String dcParam;

    public CatalogReads(ConsulApi api, URI consul, Optional<String> datacenter) {
        this.api = api;
        this.consul = consul;
        this.dcParam = datacenter.map(dc -> "&dc=" + ConsulApi.segment(dc)).orElse("");
    }

    /** Every registration of one service, with the index the leader answered at. */
    public Copies service(String name) {
        ConsulApi.Response r = api.get(consul, "/v1/health/service/" + ConsulApi.segment(name) + "?consistent" + dcParam)
                .requireOk();
        List<Copy> copies = new ArrayList<>();
        for (JsonNode entry : r.json()) {
            JsonNode node = entry.path("Node");
            JsonNode svc = entry.path("Service");
            String nodeAddress = node.path("Address").asText("");
            String address = svc.path("Address").asText("");
            boolean passing = true;
            for (JsonNode check : entry.path("Checks")) {
                passing &= "passing".equals(check.path("Status").asText());
            }
            copies.add(new Copy(svc.path("Service").asText(name), svc.path("ID").asText(), node.path("Node").asText(),
                    nodeAddress, address.isEmpty() ? nodeAddress : address, svc.path("Port").asInt(), passing,
                    svc.path("CreateIndex").asLong()));
        }
        return new Copies(r.index().orElse(0L), List.copyOf(copies));
    }

    /** The agents the local agent's gossip sees alive (Serf status 1), with their addresses. */
    public List<Node> aliveAgents() {
        List<Node> alive = new ArrayList<>();
        for (JsonNode m : api.get(consul, "/v1/agent/members").requireOk().json()) {
            if (m.path("Status").asInt() == 1) {
                alive.add(new Node(m.path("Name").asText(), m.path("Addr").asText("")));
            }
        }
        return alive;
    }

    /** The registrations of a service at one index. */
    public record Copies(long index, List<Copy> all) {
        public List<Copy> withId(String id) {
            return all.stream().filter(c -> c.id().equals(id)).toList();
        }
    }

    public record Node(String name, String address) {
    }
}
