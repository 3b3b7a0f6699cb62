package io.lbsync.cleanup;

import io.lbsync.consul.ConsulAnswers;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.consul.HealthEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Consistent reads (answered by the leader, never stale) that every cleanup decision is made on: the watched
 * snapshot only says where to look, so no deregistration ever acts on data older than the catalog.
 */
public final class CatalogReads {
    private final ConsulClient consul;
    private final String dcParam;

    /** @param consul lbsync's client; its current agent (of lbsync.consul.url) answers the reads */
    public CatalogReads(ConsulClient consul, Optional<String> datacenter) {
        this.consul = consul;
        this.dcParam = datacenter.map(dc -> "&dc=" + ConsulClient.segment(dc)).orElse("");
    }

    /** Every registration of one service, with the index the leader answered at. */
    public Copies service(String name) {
        ConsulResponse r = consul.get("/v1/health/service/" + ConsulClient.segment(name) + "?consistent" + dcParam).requireOk();
        List<Copy> copies = ConsulAnswers.healthService(r).stream().map(Copy::of).toList();
        return new Copies(r.index(), copies);
    }

    /** The agents the local agent's gossip sees alive (Serf status 1), with their addresses. */
    public List<Node> aliveAgents() {
        List<Node> alive = new ArrayList<>();
        ConsulResponse r = consul.get("/v1/agent/members").requireOk();
        ConsulAnswers.array(r).forEach(m -> {
            if (m.path("Status").asInt() == 1) {
                alive.add(new Node(m.path("Name").asText(), m.path("Addr").asText("")));
            }
        });
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
