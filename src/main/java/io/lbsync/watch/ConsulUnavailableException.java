package io.lbsync.watch;

/** Consul answered, but with nothing we may act on (no leader, too stale). Retried like a network error. */
public class ConsulUnavailableException extends RuntimeException {
    public ConsulUnavailableException(String message) {
        super(message);
    }
}
