package io.lbsync.cleanup;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What the cleanup decided about one copy (or one shared address:port), with the reason: one audit log line and
 * one entry of the JSON report each.
 *
 * @param keptNode the node whose copy stays (empty for a shared endpoint)
 */
public record CleanupDecision(Action action, String service, String id, String node, String address, int port,
                              String keptNode, String reason) {

    public enum Action {
        KEPT("kept"), REMOVED("removed"), WOULD_REMOVE("would-remove"), FAILED("failed"), SHARED_ENDPOINT("shared-endpoint");

        private final String label;

        Action(String label) {
            this.label = label;
        }

        @JsonValue
        public String label() {
            return label;
        }
    }

    static CleanupDecision about(Action action, Copy copy, Copy keeper, String reason) {
        return new CleanupDecision(action, copy.service(), copy.id(), copy.node(), copy.address(), copy.port(),
                keeper == null ? "" : keeper.node(), reason);
    }
}
