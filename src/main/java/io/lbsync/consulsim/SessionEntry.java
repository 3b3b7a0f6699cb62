package io.lbsync.consulsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One session (Consul's structs.Session). The check lists may be null: Go's nil slice, which Consul marshals as
 * null, unlike an empty list. {@code checks} is the pre-1.7 field, still accepted and listed when set.
 */
record SessionEntry(String id, String name, String node, Duration lockDelay, String behavior, String ttl,
                    List<String> nodeChecks, List<ServiceCheck> serviceChecks, List<String> checks,
                    long createIndex, long modifyIndex) {

    static final String RELEASE = "release";
    static final String DELETE = "delete";

    record ServiceCheck(String id, String namespace) {
    }

    /** Every check the session is bound to (Consul's CheckIDs): it dies when one of them goes critical or away. */
    List<String> checkIds() {
        List<String> out = new ArrayList<>();
        if (checks != null) {
            out.addAll(checks);
        }
        if (nodeChecks != null) {
            out.addAll(nodeChecks);
        }
        if (serviceChecks != null) {
            serviceChecks.forEach(c -> out.add(c.id()));
        }
        return out;
    }

    /** The TTL as a duration, zero when there is none (the text was validated on create). */
    Duration ttlDuration() {
        return ttl.isEmpty() ? Duration.ZERO : GoDuration.parse(ttl);
    }

    SessionEntry withIdAndIndex(String newId, long index) {
        return new SessionEntry(newId, name, node, lockDelay, behavior, ttl, nodeChecks, serviceChecks, checks, index, index);
    }
}
