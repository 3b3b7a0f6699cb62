package io.lbsync.cleanup;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * When a copy whose removal failed may be tried again: 10 s, 20 s, 40 s ... capped at 5 min, so an unreachable
 * agent is retried on later runs without being hammered. A copy in its wait is still reported, never skipped silently.
 */
final class RetrySchedule {
    private static final Duration FIRST = Duration.ofSeconds(10);
    private static final Duration CAP = Duration.ofMinutes(5);

    private final Map<String, Attempt> failures = new HashMap<>();

    boolean due(String key, Instant now) {
        Attempt a = failures.get(key);
        return a == null || !now.isBefore(a.next);
    }

    Instant nextAttempt(String key) {
        Attempt a = failures.get(key);
        return a == null ? Instant.EPOCH : a.next;
    }

    void failed(String key, Instant now) {
        int n = failures.containsKey(key) ? failures.get(key).failures + 1 : 1;
        Duration delay = FIRST.multipliedBy(1L << Math.min(n - 1, 10));
        failures.put(key, new Attempt(n, now.plus(delay.compareTo(CAP) > 0 ? CAP : delay)));
    }

    void succeeded(String key) {
        failures.remove(key);
    }

    /** Forgets copies that are no longer duplicates (removed by someone else, or the keeper went away). */
    void retainOnly(java.util.Set<String> stillPending) {
        failures.keySet().retainAll(stillPending);
    }

    private record Attempt(int failures, Instant next) {
    }
}
