package io.lbsync.model;

/**
 * A registration's Consul {@code Weights}: the share of traffic it should get while its checks pass, and while they
 * warn. Consul gives every registration without explicit weights {Passing: 1, Warning: 1}, which is also lbsync's
 * behaviour before weights existed (every server weight 1).
 */
public record Weights(int passing, int warning) {
    public static final Weights DEFAULT = new Weights(1, 1);

    public Weights {
        // Consul refuses Passing < 1 and Warning < 0 at registration; a value that slips through is read as the default
        passing = passing < 1 ? 1 : passing;
        warning = Math.max(0, warning);
    }

    /** The weight for an instance in this aggregated state (critical: 0). */
    public int forStatus(HealthStatus status) {
        return switch (status) {
            case PASSING -> passing;
            case WARNING -> warning;
            case CRITICAL -> 0;
        };
    }
}
