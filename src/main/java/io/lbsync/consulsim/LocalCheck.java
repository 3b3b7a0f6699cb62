package io.lbsync.consulsim;

import java.time.Duration;

/**
 * A TTL check in an agent's local state. Mutable, guarded by the state-store lock.
 * {@code ttlGeneration} invalidates expiry timers armed before the latest update.
 */
final class LocalCheck {
    final String id;
    final String name;
    final String serviceId;
    final String serviceName;
    final String notes;
    final Duration ttl;
    String status;
    String output;
    /** The output of the last TTL update, quoted when the TTL expires (Consul's getExpiredOutput). */
    String lastTtlOutput = "";
    boolean inSync;
    long ttlGeneration;

    LocalCheck(String id, String name, String serviceId, String serviceName, String notes, Duration ttl,
               String status, String output) {
        this.id = id;
        this.name = name;
        this.serviceId = serviceId;
        this.serviceName = serviceName;
        this.notes = notes;
        this.ttl = ttl;
        this.status = status;
        this.output = output;
    }
}
