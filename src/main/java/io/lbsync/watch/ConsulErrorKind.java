package io.lbsync.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lbsync.consul.ConsulBadResponseException;
import io.lbsync.consul.ConsulHttpException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;

/**
 * Why a Consul read failed, as a fixed, low-cardinality set: the {@code kind=} of {@code event=consul-error} log lines
 * and the label of the watch's error counters ({@link WatchHealth#errorCount}).
 */
public enum ConsulErrorKind {
    /** Consul could not be reached, or the connection broke: refused, reset, closed without an answer, DNS, TLS. */
    CONNECTION,
    /** No answer within the read timeout (lbsync.consul.wait × 17/16 + 5 s) or the connect timeout. */
    TIMEOUT,
    /** HTTP 5xx, e.g. 500 "No cluster leader" or a proxy's 503 in front of Consul. */
    HTTP_5XX,
    /** HTTP 429: the agent's per-client connection cap (limits.http_max_conns_per_client) or a rate limit. */
    HTTP_429,
    /** Any other HTTP error status, e.g. 403 "Permission denied" (ACL). */
    HTTP_4XX,
    /** An answer that is not what Consul sends: malformed or truncated JSON, no body where one is due. */
    BAD_RESPONSE,
    /** {@code X-Consul-KnownLeader: false}: the answering server has no leader, its data may be outdated. */
    NO_LEADER,
    /** {@code X-Consul-LastContact} above lbsync.consul.max-stale, even on the re-read from the leader. */
    STALE,
    /** {@code X-Consul-Index} went backwards: the answer is older than what lbsync already acted on. */
    INDEX_RESET,
    /** Anything else (a bug rather than a Consul fault: see the log line's error). */
    OTHER;

    /** The label used in logs and metrics: lower case, e.g. "http_5xx". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind of a failed read: the most specific cause in the exception's chain. */
    public static ConsulErrorKind of(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof ConsulUnavailableException u) {
                return u.kind();
            }
            if (t instanceof ConsulHttpException he) {
                int code = he.status();
                return code == 429 ? HTTP_429 : code >= 500 ? HTTP_5XX : HTTP_4XX;
            }
            if (t instanceof ConsulBadResponseException || t instanceof JsonProcessingException) { // an IOException: first
                return BAD_RESPONSE;
            }
            if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException
                    || t instanceof InterruptedIOException && "timeout".equals(t.getMessage())) {
                return TIMEOUT; // the JDK client: HttpTimeoutException per call, HttpConnectTimeoutException on connect
            }
        }
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof IOException) {
                return CONNECTION;
            }
        }
        return OTHER;
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }
}
