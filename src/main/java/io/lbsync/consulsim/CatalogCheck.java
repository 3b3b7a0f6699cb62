package io.lbsync.consulsim;

import java.util.List;

/** A health-check row of the catalog; {@code serviceId} is "" for node-level checks such as serfHealth. */
record CatalogCheck(String node, String checkId, String name, String status, String notes, String output,
                    String serviceId, String serviceName, List<String> serviceTags, String type,
                    long createIndex, long modifyIndex) {

    static final String PASSING = "passing";
    static final String WARNING = "warning";
    static final String CRITICAL = "critical";
    static final String SERF_CHECK_ID = "serfHealth";

    CatalogCheck {
        serviceTags = serviceTags == null ? List.of() : List.copyOf(serviceTags);
    }

    static boolean validStatus(String status) {
        return PASSING.equals(status) || WARNING.equals(status) || CRITICAL.equals(status);
    }

    /** The check the leader keeps for every live agent node. */
    static CatalogCheck serfHealth(String node) {
        return new CatalogCheck(node, SERF_CHECK_ID, "Serf Health Status", PASSING, "", "Agent alive and reachable",
                "", "", List.of(), "", 0, 0);
    }

    boolean isNodeCheck() {
        return serviceId.isEmpty();
    }

    /** Like Consul's HealthCheck.IsSame: any field difference, output included, is a modification. */
    boolean sameAs(CatalogCheck o) {
        return node.equals(o.node) && checkId.equals(o.checkId) && name.equals(o.name) && status.equals(o.status)
                && notes.equals(o.notes) && output.equals(o.output) && serviceId.equals(o.serviceId)
                && serviceName.equals(o.serviceName) && serviceTags.equals(o.serviceTags) && type.equals(o.type);
    }

    CatalogCheck withIndexes(long create, long modify) {
        return new CatalogCheck(node, checkId, name, status, notes, output, serviceId, serviceName, serviceTags, type, create, modify);
    }
}
