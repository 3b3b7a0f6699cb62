package io.lbsync.consulsim;

import java.time.Duration;

/**
 * A check in an agent's local state: a TTL check, or a maintenance check (no TTL, always critical, removed by
 * disabling maintenance). Mutable, guarded by the state-store lock.
 * {@code ttlGeneration} invalidates expiry timers armed before the latest update.
 */
final class LocalCheck {
    static final String TTL = "ttl";
    static final String MAINTENANCE = "maintenance";

    final String id;
    final String name;
    final String serviceId;
    final String serviceName;
    final String notes;
    /** Null for a maintenance check. */
    final Duration ttl;
    /** Consul's HealthCheck.Type: "ttl" or "maintenance". */
    final String type;
    String status;
    String output;
    /** The output of the last TTL update, quoted when the TTL expires (Consul's getExpiredOutput). */
    String lastTtlOutput = "";
    boolean inSync;
    long ttlGeneration;

    LocalCheck(String id, String name, String serviceId, String serviceName, String notes, Duration ttl,
               String status, String output) {
        this(id, name, serviceId, serviceName, notes, ttl, TTL, status, output);
    }

    private LocalCheck(String id, String name, String serviceId, String serviceName, String notes, Duration ttl,
                       String type, String status, String output) {
        this.id = id;
        this.name = name;
        this.serviceId = serviceId;
        this.serviceName = serviceName;
        this.notes = notes;
        this.ttl = ttl;
        this.type = type;
        this.status = status;
        this.output = output;
    }

    /** The critical check Consul's maintenance mode adds (agent.EnableServiceMaintenance / EnableNodeMaintenance). */
    static LocalCheck maintenance(String id, String name, String serviceId, String serviceName, String notes) {
        return new LocalCheck(id, name, serviceId, serviceName, notes, null, MAINTENANCE, CatalogCheck.CRITICAL, "");
    }

    boolean hasTtl() {
        return ttl != null;
    }
}
