package io.lbsync.cleanup;

/**
 * One registration of a service ID on one node, read fresh from the leader before any decision.
 *
 * @param address     the service address, or the node address when the service has none (Consul's rule)
 * @param passing     every check of the copy and of its node passes
 * @param createIndex the Raft index of the registration: lower = older
 */
public record Copy(String service, String id, String node, String nodeAddress, String address, int port,
                   boolean passing, long createIndex) {

    /** The instance runs on the agent's own host: the registration a client made on its local agent. */
    public boolean localToNode() {
        return address.equals(nodeAddress);
    }

    /** "node/id", the key of a copy in reports and retry bookkeeping. */
    public String key() {
        return node + "/" + id;
    }
}
