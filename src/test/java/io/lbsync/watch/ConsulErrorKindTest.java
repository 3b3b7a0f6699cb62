package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.ConsulException;

/** How failures map to the fixed set of error kinds (what the client library throws for each). */
class ConsulErrorKindTest {
    @Test
    void networkFailuresWrappedByTheClient() {
        assertThat(ConsulErrorKind.of(new ConsulException(new ConnectException("Connection refused")))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(new ConsulException(new UnknownHostException("consul.invalid")))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(new ConsulException(new java.io.IOException("unexpected end of stream",
                new EOFException("\\n not found"))))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(ConsulErrorKind.of(new ConsulException(new SocketTimeoutException("timeout")))).isEqualTo(ConsulErrorKind.TIMEOUT);
        assertThat(ConsulErrorKind.of(new ConsulException(new InterruptedIOException("timeout")))).isEqualTo(ConsulErrorKind.TIMEOUT);
        assertThat(ConsulErrorKind.of(new ConsulException(new JsonEOFException(null, null, "Unexpected end-of-input"))))
                .isEqualTo(ConsulErrorKind.BAD_RESPONSE);
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
        assertThat(ConsulErrorKind.of(new ConsulException("no cause"))).isEqualTo(ConsulErrorKind.OTHER);
    }

    @Test
    void aLogDescriptionNamesWhatTheClientSawNotItsInnermostCause() {
        var timeout = new SocketTimeoutException("timeout");
        timeout.initCause(new java.net.SocketException("Socket closed"));
        assertThat(WatchHealth.describe(new ConsulException(timeout))).isEqualTo("SocketTimeoutException: timeout");
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
