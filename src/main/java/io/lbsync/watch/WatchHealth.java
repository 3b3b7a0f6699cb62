package io.lbsync.watch;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kiwiproject.consul.ConsulException;

/** What each watch loop last experienced: for logs now, for health checks and metrics later. */
public final class WatchHealth {
    /** @param failingSince null while healthy */
    public record State(Instant lastSuccess, Instant failingSince, int consecutiveFailures, String lastError) {
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();

    public void success(String watch) {
        states.put(watch, new State(Instant.now(), null, 0, null));
    }

    public void failure(String watch, RuntimeException e) {
        states.compute(watch, (k, old) -> new State(old == null ? null : old.lastSuccess(),
                old == null || old.failingSince() == null ? Instant.now() : old.failingSince(),
                old == null ? 1 : old.consecutiveFailures() + 1, describe(e)));
    }

    public Map<String, State> states() {
        return Map.copyOf(states);
    }

    /** A one-line cause fit for a log: HTTP status for Consul errors, otherwise the exception's own words. */
    public static String describe(Throwable e) {
        if (e instanceof ConsulException ce && ce.hasCode()) {
            return "HTTP " + ce.getCode() + " from Consul";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage();
        return (root.getClass().getSimpleName() + message).replace('"', '\'');
    }
}
