package io.lbsync.model;

import java.util.Locale;

/**
 * lbsync.health.warning: what every target does with an instance whose worst check is warning (slow start, degraded).
 * SERVE gives it its Consul Warning weight, DRAIN keeps it in the config with weight 0 (no new requests, current ones
 * finish; HAProxy only: nginx has no such state and leaves it out), EXCLUDE leaves it out like a critical one.
 */
public enum WarningPolicy {
    SERVE, DRAIN, EXCLUDE;

    public static final String PROPERTY = "lbsync.health.warning";

    public static WarningPolicy parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "serve", "" -> SERVE;
            case "drain" -> DRAIN;
            case "exclude" -> EXCLUDE;
            default -> throw new IllegalArgumentException(PROPERTY + ": '" + value + "' is not one of serve, drain, exclude");
        };
    }

    /** Whether an instance in this state is in the config at all. */
    public boolean serves(HealthStatus status) {
        return status == HealthStatus.PASSING || status == HealthStatus.WARNING && this != EXCLUDE;
    }

    /** The weight before scaling: Consul's weight for the state, 0 for a drained warning instance. */
    public int weight(ServiceInstance instance) {
        if (instance.status() == HealthStatus.WARNING && this == DRAIN) {
            return 0;
        }
        return instance.weights().forStatus(instance.status());
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
