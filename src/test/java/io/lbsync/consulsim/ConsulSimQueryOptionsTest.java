package io.lbsync.consulsim;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Server-side wait: default 5m, clamped to 10m, plus up to wait/16 of jitter. */
class ConsulSimQueryOptionsTest {

    private static Duration timeout(Duration wait) {
        return new QueryOptions(5, wait, false, false).timeoutWithJitter();
    }

    @Test
    void waitDefaultsTo5MinutesIsClampedTo10AndGetsUpToASixteenthOfJitter() {
        for (int i = 0; i < 50; i++) {
            assertThat(timeout(Duration.ZERO)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(5).plusMillis(18_750));
            assertThat(timeout(Duration.ofHours(1))).isBetween(Duration.ofMinutes(10), Duration.ofMinutes(10).plusMillis(37_500));
            assertThat(timeout(Duration.ofSeconds(16))).isBetween(Duration.ofSeconds(16), Duration.ofSeconds(17));
        }
    }
}
