package io.lbsync.watch;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The index half of Consul's blocking-query protocol (docs/design-watching.md, Consul rules 1 and 3): send back the last
 * X-Consul-Index, never block with 0 after the first call (a server answering 0 would otherwise turn the loop into a
 * busy loop), and when the index goes backwards, reset to 0 so the next read is a full one.
 * <p>
 * An answer whose index is below the highest one already acted on is older than what lbsync has: a server that is
 * behind the others (a stale read), a restored snapshot, a different cluster. It is not acted on
 * ({@link Observation#BACKWARDS}, a fault that the loop retries with backoff) until either the index passes the old
 * one again (any new write in Consul does, raft indexes only grow) or Consul keeps answering the lower index for
 * {@code resetGrace}: then the reset is believed ({@link Observation#RESET}) and the loop follows the new index.
 */
public final class IndexTracker {
    /** What an answer's index means. */
    public enum Observation {
        /** The first answer, or the index moved forward: hand the data on. */
        CHANGED,
        /** Same index as before: a return is not a change (Consul rule 1). */
        UNCHANGED,
        /** Below the index already acted on: do not act, retry with a full read (index 0). */
        BACKWARDS,
        /** Consul kept answering a lower index for the whole grace period: it was reset, follow it. */
        RESET
    }

    public static final Duration DEFAULT_RESET_GRACE = Duration.ofMinutes(1);

    private final long resetGraceNanos;
    private final LongSupplier nanoClock;
    private long index;
    private long highWater;
    private boolean first = true;
    private boolean backwards;
    private long backwardsSince;

    public IndexTracker() {
        this(DEFAULT_RESET_GRACE, System::nanoTime);
    }

    public IndexTracker(Duration resetGrace, LongSupplier nanoClock) {
        if (resetGrace.isNegative()) {
            throw new IllegalArgumentException("index reset grace must not be negative");
        }
        this.resetGraceNanos = resetGrace.toNanos();
        this.nanoClock = nanoClock;
    }

    /** The index to send with the next request; 0 means "answer at once". */
    public synchronized long next() {
        return index;
    }

    /** The highest index acted on so far (0 before the first answer). */
    public synchronized long acted() {
        return highWater;
    }

    /**
     * Forgets every index: lbsync switched Consul agents (indexes are per agent). The next read is a non-blocking one
     * and its answer counts as the first ({@link Observation#CHANGED}), whatever its index.
     */
    public synchronized void restart() {
        first = true;
        backwards = false;
        index = 0;
        highWater = 0;
    }

    /** Records the index of a response and says what to do with its data. */
    public synchronized Observation observe(long returned) {
        long current = Math.max(returned, 1);
        if (first || current >= highWater) {
            boolean changed = first || current != highWater;
            first = false;
            backwards = false;
            index = current;
            highWater = current;
            return changed ? Observation.CHANGED : Observation.UNCHANGED;
        }
        long now = nanoClock.getAsLong();
        if (!backwards) {
            backwards = true;
            backwardsSince = now;
        }
        if (now - backwardsSince >= resetGraceNanos) {
            backwards = false;
            index = current;
            highWater = current;
            return Observation.RESET;
        }
        index = 0;
        return Observation.BACKWARDS;
    }
}
