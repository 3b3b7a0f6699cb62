package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.consul.ConsulHttpException;
import io.lbsync.consul.ConsulUnreachableException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which failed reads concern one service alone, and how an unreadable service is remembered and retried. */
class ServiceReadFailuresTest {
    private static final URI AGENT = URI.create("http://127.0.0.1:8500");

    private static ConsulHttpException http(int code) {
        return new ConsulHttpException(AGENT, "/v1/health/service/x", code, "");
    }

    @Test
    void answersThatWillNotChangeOnRetryConcernTheServiceAlone() {
        for (int code : new int[] {400, 404, 405, 414}) {
            assertThat(ServiceReadFailures.concernsOnlyTheService(http(code))).as("HTTP %d", code).isTrue();
        }
        assertThat(ServiceReadFailures.concernsOnlyTheService(new ServiceUnreadableException("'..'", new IllegalArgumentException())))
                .isTrue();
    }

    @Test
    void theTokenTheConnectionAndOverloadConcernEveryService() {
        for (int code : new int[] {401, 403, 407, 408, 429, 500, 503}) {
            assertThat(ServiceReadFailures.concernsOnlyTheService(http(code))).as("HTTP %d", code).isFalse();
        }
        assertThat(ServiceReadFailures.concernsOnlyTheService(new ConsulUnreachableException(AGENT, new ConnectException("refused")))).isFalse();
        assertThat(ServiceReadFailures.concernsOnlyTheService(new ConsulUnavailableException(ConsulErrorKind.NO_LEADER, "x"))).isFalse();
        assertThat(ServiceReadFailures.concernsOnlyTheService(new IllegalStateException("a bug"))).isFalse();
    }

    @Test
    void anUnreadableServiceIsRetriedAfterAMinuteAndForgottenWhenReadOrGone() {
        UnreadableServices u = new UnreadableServices();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        u.failed("a\nb", http(400), false, t0);
        u.failed("a\nb", http(400), false, t0.plusSeconds(1)); // the same failure again: counted once
        assertThat(u.failures()).isEqualTo(1);
        assertThat(u.waiting("a\nb", t0.plusSeconds(30))).isTrue();
        assertThat(u.due(t0.plusSeconds(61))).containsExactly("a\nb");
        assertThat(u.nextRetry()).isEqualTo(t0.plusSeconds(61));
        u.retainAll(Set.of("other"));
        assertThat(u.count()).isZero();
        u.failed("c", http(400), true, t0);
        u.readable("c");
        assertThat(u.entries()).isEmpty();
    }
}
