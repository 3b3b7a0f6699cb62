package io.lbsync.watch;

import java.io.IOException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import io.lbsync.consul.ConsulHttpException;

/**
 * What each watch loop last experienced, and how many Consul errors of each {@link ConsulErrorKind} the watches met
 * since start: for logs now, for health checks and metrics later. One instance (bean "watchHealth") is shared by every
 * consul-watch endpoint of a Camel context. Thread-safe.
 * <p>
 * Metrics: {@link #errorCounts()} is a monotonic counter per kind, every kind present (0 until it happens), meant to be
 * exported as e.g. {@code lbsync_consul_errors_total{kind="http_5xx"}}; {@link #states()} gives per-watch gauges
 * (consecutive failures, failing since).
 */
public final class WatchHealth {
    /**
     * @param failingSince  null while healthy
     * @param lastErrorKind null while healthy
     * @param index         the X-Consul-Index last acted on (0 before the first good answer)
     * @param lastContact   when Consul last answered this watch at all, an HTTP error included (null: never);
     *                      a refused connection or a timeout is no contact
     */
    public record State(Instant lastSuccess, Instant failingSince, int consecutiveFailures, String lastError,
                        ConsulErrorKind lastErrorKind, long index, Instant lastContact) {
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final UnreadableServices unreadable = new UnreadableServices();
    private final Map<ConsulErrorKind, LongAdder> errors = new EnumMap<>(ConsulErrorKind.class);

    public WatchHealth() {
        for (ConsulErrorKind kind : ConsulErrorKind.values()) {
            errors.put(kind, new LongAdder()); // filled once, only read afterwards: safe to share
        }
    }

    /** Services Consul lists but cannot serve back, each left out alone. */
    public UnreadableServices unreadable() {
        return unreadable;
    }

    public void success(String watch) {
        success(watch, 0);
    }

    /** A good answer of {@code watch} at {@code index} (0: unknown, keep the last one). */
    public void success(String watch, long index) {
        Instant now = Instant.now();
        states.compute(watch, (k, old) -> new State(now, null, 0, null, null,
                index > 0 || old == null ? index : old.index(), now));
    }

    /** Records a failed read of {@code watch}: counts it under its kind, which it returns. */
    public ConsulErrorKind failure(String watch, RuntimeException e) {
        ConsulErrorKind kind = ConsulErrorKind.of(e);
        errors.get(kind).increment();
        Instant now = Instant.now();
        boolean answered = kind != ConsulErrorKind.CONNECTION && kind != ConsulErrorKind.TIMEOUT && kind != ConsulErrorKind.OTHER;
        states.compute(watch, (k, old) -> new State(old == null ? null : old.lastSuccess(),
                old == null || old.failingSince() == null ? now : old.failingSince(),
                old == null ? 1 : old.consecutiveFailures() + 1, describe(e), kind, old == null ? 0 : old.index(),
                answered ? now : old == null ? null : old.lastContact()));
        return kind;
    }

    public Map<String, State> states() {
        return Map.copyOf(states);
    }

    /** Failed Consul reads of this kind since start, over every watch. */
    public long errorCount(ConsulErrorKind kind) {
        return errors.get(kind).sum();
    }

    /** Same as {@link #errorCount(ConsulErrorKind)} by label ("connection", "http_5xx", ...). */
    public long errorCount(String kindLabel) {
        for (ConsulErrorKind kind : ConsulErrorKind.values()) {
            if (kind.label().equals(kindLabel)) {
                return errorCount(kind);
            }
        }
        throw new IllegalArgumentException("unknown Consul error kind: " + kindLabel);
    }

    /** Every kind's label → failed reads since start (0 included), in a fixed order. */
    public Map<String, Long> errorCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (ConsulErrorKind kind : ConsulErrorKind.values()) {
            counts.put(kind.label(), errorCount(kind));
        }
        return counts;
    }

    /**
     * A one-line cause fit for a log: HTTP status for Consul errors (not the body), otherwise the words of the
     * outermost I/O exception (a timeout, a refused connection, a JSON error: what the client library saw), else of
     * the root cause. Never the ACL token: it only travels in a request header, which no exception message carries.
     */
    public static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConsulHttpException he) {
                return "HTTP " + he.status() + " from Consul"; // not its body: an error page may echo the request
            }
        }
        Throwable chosen = null;
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (chosen == null && t instanceof IOException) {
                chosen = t;
            }
            root = t;
        }
        Throwable shown = chosen != null ? chosen : root;
        String message = shown.getMessage() == null ? "" : ": " + firstLine(shown.getMessage());
        return (shown.getClass().getSimpleName() + message).replace('"', '\'');
    }

    /** Jackson's messages quote the bad input over several lines: keep the first, short. */
    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
