package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.JsonEOFException;
import io.lbsync.consul.ConsulBadResponseException;
import io.lbsync.consul.ConsulHttpException;
import io.lbsync.consul.ConsulUnreachableException;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

/** How failures map to the fixed set of error kinds (what lbsync's Consul client throws for each). */
class ConsulErrorKindTest {
    private static final URI AGENT = URI.create("http://127.0.0.1:8500");

    private static ConsulUnreachableException unreachable(IOException cause) {
        return new ConsulUnreachableException(AGENT, cause);
    }

    @Test
    void networkFailuresWrappedByTheClient() {
        assertThat(ConsulErrorKind.of(unreachable(new ConnectException("Connection refused")))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(unreachable(new ConnectException(null)))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(unreachable(new UnknownHostException("consul.invalid")))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(unreachable(new IOException("unexpected end of stream",
                new EOFException("EOF reached while reading"))))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(unreachable(new HttpTimeoutException("request timed out")))).isEqualTo(ConsulErrorKind.TIMEOUT);
        assertThat(ConsulErrorKind.of(unreachable(new HttpConnectTimeoutException("HTTP connect timed out"))))
                .isEqualTo(ConsulErrorKind.TIMEOUT);
        assertThat(ConsulErrorKind.of(unreachable(new SocketTimeoutException("timeout")))).isEqualTo(ConsulErrorKind.TIMEOUT);
        assertThat(ConsulErrorKind.of(new ConsulBadResponseException("/v1/catalog/services", "not JSON")))
                .isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(ConsulErrorKind.of(new IllegalStateException(new JsonEOFException(null, null, "Unexpected end-of-input"))))
                .isEqualTo(ConsulErrorKind.BAD_RESPONSE);
    }

    @Test
    void httpStatusesByKind() {
        assertThat(ConsulErrorKind.of(new ConsulHttpException(AGENT, "/v1/x", 500, "No cluster leader"))).isEqualTo(ConsulErrorKind.HTTP_5XX);
        assertThat(ConsulErrorKind.of(new ConsulHttpException(AGENT, "/v1/x", 503, ""))).isEqualTo(ConsulErrorKind.HTTP_5XX);
        assertThat(ConsulErrorKind.of(new ConsulHttpException(AGENT, "/v1/x", 429, ""))).isEqualTo(ConsulErrorKind.HTTP_429);
        assertThat(ConsulErrorKind.of(new ConsulHttpException(AGENT, "/v1/x", 403, "Permission denied"))).isEqualTo(ConsulErrorKind.HTTP_4XX);
        assertThat(ConsulErrorKind.of(new ConsulHttpException(AGENT, "/v1/x", 301, ""))).isEqualTo(ConsulErrorKind.HTTP_4XX);
    }

    @Test
    void ownRefusalsCarryTheirKind() {
        for (ConsulErrorKind kind : ConsulErrorKind.values()) {
            assertThat(ConsulErrorKind.of(new ConsulUnavailableException(kind, "x"))).isEqualTo(kind);
        }
    }

    @Test
    void anythingElseIsOther() {
        assertThat(ConsulErrorKind.of(new IllegalStateException("bug"))).isEqualTo(ConsulErrorKind.OTHER);
        assertThat(ConsulErrorKind.of(new RuntimeException("no cause"))).isEqualTo(ConsulErrorKind.OTHER);
    }

    @Test
    void aLogDescriptionNamesWhatTheClientSawNotItsInnermostCause() {
        var timeout = new HttpTimeoutException("request timed out");
        timeout.initCause(new java.net.SocketException("Socket closed"));
        assertThat(WatchHealth.describe(unreachable(timeout))).isEqualTo("HttpTimeoutException: request timed out");
        assertThat(WatchHealth.describe(new ConsulHttpException(AGENT, "/v1/x", 502, "echo of the request")))
                .isEqualTo("HTTP 502 from Consul");
        assertThat(WatchHealth.describe(new IllegalStateException("outer", new IllegalArgumentException("inner \"quoted\""))))
                .isEqualTo("IllegalArgumentException: inner 'quoted'");
        assertThat(WatchHealth.describe(new ConsulUnavailableException(ConsulErrorKind.STALE, "line one\nline two")))
                .isEqualTo("ConsulUnavailableException: line one");
    }

    @Test
    void labelsAreLowerCaseAndStable() {
        assertThat(ConsulErrorKind.HTTP_5XX.label()).isEqualTo("http_5xx");
        assertThat(ConsulErrorKind.INDEX_RESET.label()).isEqualTo("index_reset");
    }
}
