package io.lbsync.consulsim;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Turns a TTL check critical when nobody refreshed it within its TTL. */
final class TtlWatchdog {
    private final ScheduledExecutorService scheduler;

    TtlWatchdog(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** (Re)starts the check's TTL countdown; any earlier countdown becomes stale. Lock held by caller. */
    void arm(LocalAgent agent, LocalCheck check) {
        long generation = ++check.ttlGeneration;
        try {
            scheduler.schedule(() -> agent.expireTtl(check.id, generation), check.ttl.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // simulator closed: nothing expires any more
        }
    }
}
