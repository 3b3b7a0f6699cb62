package io.lbsync.watch;

/**
 * Consul answered, but with nothing we may act on (no leader, too stale, an index gone backwards, a body that is not
 * Consul's). Retried like a network error.
 */
public class ConsulUnavailableException extends RuntimeException {
    private final ConsulErrorKind kind;

    public ConsulUnavailableException(ConsulErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ConsulErrorKind kind() {
        return kind;
    }
}
