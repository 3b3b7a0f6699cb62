package io.lbsync.consulsim;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One way an answer of the simulator goes wrong, for fault-injection tests: see {@link ConsulFaults} for how a
 * fault is attached to requests. Immutable.
 * <ul>
 * <li>{@link #status}, {@link #noClusterLeader}, {@link #tooManyConnections}: an error answer instead of the real
 * one; the request is not executed.</li>
 * <li>{@link #dropConnection}: the connection is closed without an answer; the request is not executed.</li>
 * <li>{@link #delay}: the real answer, sent late (a slow server or network).</li>
 * <li>{@link #body}: the real status and headers with another body (malformed JSON, an HTML error page...).</li>
 * <li>{@link #truncatedBody}: the real status and headers with the body cut in the middle; Content-Length says the
 * cut length, so the HTTP exchange itself is well formed and only the JSON is broken.</li>
 * <li>{@link #headers}, {@link #knownLeader}, {@link #lastContact}, {@link #index}: the real answer with some headers
 * replaced (or added).</li>
 * </ul>
 */
public final class Fault {
    enum Kind { STATUS, DROP, DELAY, BODY, TRUNCATE, HEADERS }

    final Kind kind;
    private final ApiResponse errorAnswer;
    private final Duration delay;
    private final byte[] body;
    private final Map<String, String> headers;
    private final String description;

    private Fault(Kind kind, ApiResponse errorAnswer, Duration delay, byte[] body, Map<String, String> headers,
                  String description) {
        this.kind = kind;
        this.errorAnswer = errorAnswer;
        this.delay = delay;
        this.body = body;
        this.headers = headers;
        this.description = description;
    }

    /** Answers {@code status} with {@code body} as text/plain, the way Consul writes its errors. */
    public static Fault status(int status, String body) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status out of range: " + status);
        }
        return new Fault(Kind.STATUS, ApiResponse.text(status, Objects.requireNonNull(body)), null, null, Map.of(),
                "status " + status);
    }

    /** HTTP 500 "No cluster leader": what a Consul server answers a default/consistent read while it has no leader. */
    public static Fault noClusterLeader() {
        return status(500, "No cluster leader");
    }

    /**
     * HTTP 429 with Consul's body and "Connection: close": what an agent answers when the client IP holds more than
     * limits.http_max_conns_per_client connections.
     */
    public static Fault tooManyConnections() {
        return new Fault(Kind.STATUS, ApiResponse.text(429, ConnectionLimiter.TOO_MANY).header("Connection", "close"),
                null, null, Map.of(), "status 429 (too many connections)");
    }

    /** Closes the connection without writing anything, as a crashing server or a middlebox resetting it would. */
    public static Fault dropConnection() {
        return new Fault(Kind.DROP, null, null, null, Map.of(), "drop connection");
    }

    /** Sends the real answer {@code delay} late (blocking queries: after their own wait). */
    public static Fault delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative");
        }
        return new Fault(Kind.DELAY, null, delay, null, Map.of(), "delay " + delay.toMillis() + "ms");
    }

    /** The real status and headers (X-Consul-Index included) with this body instead of the real one. */
    public static Fault body(String body) {
        return new Fault(Kind.BODY, null, null, body.getBytes(StandardCharsets.UTF_8), Map.of(), "body replaced");
    }

    /** The real status and headers with the first half of the real body only (an empty body stays empty). */
    public static Fault truncatedBody() {
        return new Fault(Kind.TRUNCATE, null, null, null, Map.of(), "truncated body");
    }

    /** The real answer with these headers set (replacing any of the same name, in any letter case). */
    public static Fault headers(Map<String, String> headers) {
        if (headers.isEmpty()) {
            throw new IllegalArgumentException("no header given");
        }
        Map<String, String> copy = new LinkedHashMap<>(headers);
        return new Fault(Kind.HEADERS, null, null, null, Map.copyOf(copy), "headers " + copy);
    }

    /** {@code X-Consul-KnownLeader}: false is what a server answers while the cluster has lost its leader. */
    public static Fault knownLeader(boolean known) {
        return headers(Map.of("X-Consul-KnownLeader", Boolean.toString(known)));
    }

    /** {@code X-Consul-LastContact}: how long ago the answering server last heard from the leader (a stale read). */
    public static Fault lastContact(Duration sinceLeader) {
        return headers(Map.of("X-Consul-LastContact", Long.toString(sinceLeader.toMillis())));
    }

    /** {@code X-Consul-Index}: e.g. a value lower than before (a restored snapshot, a server behind the others). */
    public static Fault index(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative");
        }
        return headers(Map.of("X-Consul-Index", Long.toString(index)));
    }

    /** The answer sent instead of executing the request (STATUS only). */
    ApiResponse errorAnswer() {
        return errorAnswer.copy();
    }

    Duration delay() {
        return delay;
    }

    /** The real answer as this fault changes it (BODY, TRUNCATE, HEADERS); other kinds leave it alone. */
    ApiResponse alter(ApiResponse real) {
        return switch (kind) {
            case BODY -> real.withBody(body);
            case TRUNCATE -> real.withBody(java.util.Arrays.copyOf(real.body, real.body.length / 2));
            case HEADERS -> {
                headers.forEach(real::replaceHeader);
                yield real;
            }
            default -> real;
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
