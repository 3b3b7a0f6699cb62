package io.lbsync.watch;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, so that many lbsync instances do not retry in lockstep. */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private int failures;

    public Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    /** The delay before the next retry: grows 2x per consecutive failure up to the cap, then 50-100% of it. */
    public synchronized Duration nextDelay() {
        int exponent = Math.min(failures, 30);
        failures++;
        long ceiling = Math.min(max.toMillis(), initial.toMillis() * (1L << exponent));
        long jittered = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        return Duration.ofMillis(Math.max(jittered, 1));
    }

    public synchronized int failures() {
        return failures;
    }

    public synchronized void reset() {
        failures = 0;
    }
}
