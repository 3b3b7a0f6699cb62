package io.lbsync.cleanup;

import io.lbsync.consul.HealthEntry;
import io.lbsync.model.ServiceInstance;

/**
 * One registration of a service ID on one node, read fresh from the leader before any decision.
 *
 * @param address     the service address, or the node address when the service has none (Consul's rule)
 * @param passing     every check of the copy and of its node passes
 * @param createIndex the Raft index of the registration: lower = older
 */
public record Copy(String service, String id, String node, String nodeAddress, String address, int port,
                   boolean passing, long createIndex) {

    /** A registration as {@code /v1/health/service/:name} gave it (io.lbsync.consul.ConsulAnswers). */
    public static Copy of(HealthEntry entry) {
        ServiceInstance i = entry.instance();
        return new Copy(i.service(), i.id(), i.node(), i.nodeAddress(), i.address(), i.port(), i.passing(), entry.createIndex());
    }

    /** The instance runs on the agent's own host: the registration a client made on its local agent. */
    public boolean localToNode() {
        return address.equals(nodeAddress);
    }

    /** "node/id", the key of a copy in reports and retry bookkeeping. */
    public String key() {
        return node + "/" + id;
    }
}
