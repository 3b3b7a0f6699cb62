package io.lbsync.consulsim;

import java.util.List;
import java.util.Set;

/** /v1/status/*: a single-server cluster whose leader is the first agent. No ACL check, as in Consul. */
final class StatusEndpoints {
    private final Cluster cluster;

    StatusEndpoints(Cluster cluster) {
        this.cluster = cluster;
    }

    void addTo(Router r) {
        r.exact("/v1/status/leader", Set.of("GET"), req -> ApiResponse.json(raftAddress(), req.pretty()))
                .exact("/v1/status/peers", Set.of("GET"), req -> ApiResponse.json(List.of(raftAddress()), req.pretty()));
    }

    private String raftAddress() {
        return cluster.server().nodeAddress() + ":8300";
    }
}
