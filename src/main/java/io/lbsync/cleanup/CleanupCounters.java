package io.lbsync.cleanup;

import java.util.concurrent.atomic.AtomicLong;

/** Running totals of the cleanup, for metrics: counters since start, and the last run's duplicate count. */
public final class CleanupCounters {
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong removed = new AtomicLong();
    private final AtomicLong wouldRemove = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastExtraCopies = new AtomicLong();

    void record(CleanupReport report) {
        runs.incrementAndGet();
        removed.addAndGet(report.count(CleanupDecision.Action.REMOVED));
        wouldRemove.addAndGet(report.count(CleanupDecision.Action.WOULD_REMOVE));
        failed.addAndGet(report.count(CleanupDecision.Action.FAILED));
        lastExtraCopies.set(report.extraCopies());
    }

    public long runs() {
        return runs.get();
    }

    public long removed() {
        return removed.get();
    }

    public long wouldRemove() {
        return wouldRemove.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Extra copies (beyond the one kept) found by the last run. */
    public long lastExtraCopies() {
        return lastExtraCopies.get();
    }
}
