package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private final RetrySchedule retries = new RetrySchedule();
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aFailedCopyWaitsLongerAfterEachFailureUpToFiveMinutes() {
        assertThat(retries.due("n/a", t0)).isTrue();
        retries.failed("n/a", t0);
        assertThat(retries.nextAttempt("n/a")).isEqualTo(t0.plusSeconds(10));
        assertThat(retries.due("n/a", t0.plusSeconds(9))).isFalse();
        assertThat(retries.due("n/a", t0.plusSeconds(10))).isTrue();
        retries.failed("n/a", t0);
        assertThat(retries.nextAttempt("n/a")).isEqualTo(t0.plusSeconds(20));
        for (int i = 0; i < 20; i++) {
            retries.failed("n/a", t0);
        }
        assertThat(retries.nextAttempt("n/a")).isEqualTo(t0.plus(Duration.ofMinutes(5)));
    }

    @Test
    void successAndCopiesThatAreGoneAreForgotten() {
        retries.failed("n/a", t0);
        retries.failed("n/b", t0);
        retries.succeeded("n/a");
        assertThat(retries.due("n/a", t0)).isTrue();
        retries.retainOnly(Set.of());
        assertThat(retries.due("n/b", t0)).isTrue();
    }
}
