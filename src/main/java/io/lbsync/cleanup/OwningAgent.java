package io.lbsync.cleanup;

import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.render.SafeValues;
import java.net.URI;

/**
 * Removes a copy where it lives. A catalog deregistration would be undone by the owning agent's anti-entropy;
 * only {@code PUT /v1/agent/service/deregister/:id} on that agent sticks. Before acting, the agent must prove
 * it is the node we mean (a wrong agent URL would otherwise remove the copy we keep); afterwards it must
 * confirm the copy is gone from its local services.
 */
public final class OwningAgent {
    private final ConsulClient api;
    private final AgentUrls urls;

    /** @param api the client to act with (lbsync's, or a registration guard's caller's token) */
    public OwningAgent(ConsulClient api, AgentUrls urls) {
        this.api = api;
        this.urls = urls;
    }

    private URI agentOf(String node, String nodeAddress) {
        return urls.forNode(node, nodeAddress);
    }

    /** Deregisters the copy on its own agent and verifies it there; throws {@link CleanupFailure} with the reason. */
    public void remove(Copy copy) {
        URI agent = agentOf(copy.node(), copy.nodeAddress());
        requireIdentity(agent, copy.node());
        String path = "/v1/agent/service/" + ConsulClient.segment(copy.id());
        ConsulResponse r = api.put(agent, "/v1/agent/service/deregister/" + ConsulClient.segment(copy.id()), new byte[0]);
        ConsulResponse check = api.get(agent, path);
        if (check.status() == 404) {
            // gone, whatever the deregistration answered for an ID the agent no longer had (gone since our read):
            // Consul 1.9 answers 200 without ACLs and 500 "Unknown service" with them, later versions 404
            return;
        }
        r.requireOk();
        check.requireOk();
        throw new CleanupFailure("still registered on agent " + agent + " after deregistration");
    }

    /** Same checks without changing anything: what a dry run can safely try (identity and reachability). */
    public void probe(Copy copy) {
        requireIdentity(agentOf(copy.node(), copy.nodeAddress()), copy.node());
    }

    private void requireIdentity(URI agent, String node) {
        String actual = api.get(agent, "/v1/agent/self").requireOk().json().path("Config").path("NodeName").asText();
        if (!actual.equals(node)) {
            throw new CleanupFailure("agent " + agent + " is node '" + SafeValues.forLog(actual) + "', not '"
                    + SafeValues.forLog(node) + "': set " + AgentUrls.PROPERTY + "." + SafeValues.forLog(node));
        }
    }
}
