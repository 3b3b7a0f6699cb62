package io.lbsync.model;

import java.util.Collection;
import java.util.Locale;

/** Consul's aggregated check state, ordered from best to worst. */
public enum HealthStatus {
    PASSING, WARNING, CRITICAL;

    /** Anything Consul does not call passing/warning (critical, maintenance, unknown text) counts as critical. */
    public static HealthStatus of(String consulStatus) {
        return switch (consulStatus == null ? "" : consulStatus.toLowerCase(Locale.ROOT)) {
            case "passing" -> PASSING;
            case "warning" -> WARNING;
            default -> CRITICAL;
        };
    }

    /** The worst of all checks; an instance without checks is passing, like Consul's ?passing filter. */
    public static HealthStatus worst(Collection<HealthStatus> statuses) {
        return statuses.stream().max(Enum::compareTo).orElse(PASSING);
    }
}
