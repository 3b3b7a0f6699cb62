package io.lbsync.consulsim;

import java.time.Duration;

/**
 * A TTL health check inside a {@link ServiceDefinition}; field names as Consul's agent check definition.
 * The simulator cannot probe anything, so only TTL checks exist here (HTTP/TCP/script checks are rejected).
 *
 * @param id     CheckID; empty = Consul's default ("service:&lt;serviceId&gt;", with ":n" when several)
 * @param name   empty = "Service '&lt;name&gt;' check"
 * @param ttl    must be positive, like Consul's "TTL must be > 0 for TTL checks"
 * @param status initial status; empty = critical (Consul's default for new checks)
 * @param notes  free text
 */
public record CheckDefinition(String id, String name, Duration ttl, String status, String notes) {

    public CheckDefinition {
        id = id == null ? "" : id;
        name = name == null ? "" : name;
        status = status == null ? "" : status;
        notes = notes == null ? "" : notes;
    }

    public static CheckDefinition ttl(Duration ttl) {
        return new CheckDefinition("", "", ttl, "", "");
    }

    public CheckDefinition withId(String checkId) {
        return new CheckDefinition(checkId, name, ttl, status, notes);
    }

    public CheckDefinition withName(String checkName) {
        return new CheckDefinition(id, checkName, ttl, status, notes);
    }

    public CheckDefinition withStatus(String initialStatus) {
        return new CheckDefinition(id, name, ttl, initialStatus, notes);
    }
}
