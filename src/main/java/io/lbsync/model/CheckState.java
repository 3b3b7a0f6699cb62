package io.lbsync.model;

/**
 * The part of a health check that can change routing: which node/service it belongs to and its status.
 * Output text is left out on purpose: a check printing a new timestamp is not a membership change.
 *
 * @param service the service name, or "" for a node-level check such as serfHealth
 * @param serviceId the registration's service ID (unique per node), or "" for a node-level check
 */
public record CheckState(String node, String checkId, String service, String serviceId, String status) {
    public boolean nodeLevel() {
        return service.isEmpty();
    }
}
