package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsExponentiallyWithJitterUpToTheCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        long[] ceilings = {100, 200, 400, 800, 1600, 2000, 2000, 2000};
        for (long ceiling : ceilings) {
            long delay = backoff.nextDelay().toMillis();
            assertThat(delay).isBetween(ceiling / 2, ceiling);
        }
        assertThat(backoff.failures()).isEqualTo(ceilings.length);
    }

    @Test
    void neverOverflowsAfterManyFailures() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
        for (int i = 0; i < 200; i++) {
            backoff.nextDelay();
        }
        assertThat(backoff.nextDelay()).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
    }

    @Test
    void jitterSpreadsRetries() {
        Backoff a = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10));
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(a.nextDelay().toMillis());
        }
        assertThat(seen).hasSizeGreaterThan(10);
    }

    @Test
    void resetStartsOver() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));
        for (int i = 0; i < 5; i++) {
            backoff.nextDelay();
        }
        backoff.reset();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.nextDelay().toMillis()).isBetween(50L, 100L);
    }
}
