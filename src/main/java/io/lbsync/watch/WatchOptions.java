package io.lbsync.watch;

import java.time.Duration;

/**
 * How a catalog watch behaves.
 *
 * @param serviceFilter   which service names to watch
 * @param minInterval     the least time between two requests of one long poll (rate limit, Consul rule 4)
 * @param indexResetGrace how long Consul must keep answering an index below the one acted on before lbsync
 *                        believes the reset and follows it (see {@link IndexTracker})
 */
public record WatchOptions(Duration blockingWait, Duration minInterval, Duration backoffInitial, Duration backoffMax,
                           Duration indexResetGrace, ServiceFilter serviceFilter, String datacenter) {

    /** Options for the local datacenter. */
    public WatchOptions(Duration blockingWait, Duration minInterval, Duration backoffInitial, Duration backoffMax,
                        Duration indexResetGrace, ServiceFilter serviceFilter) {
        this(blockingWait, minInterval, backoffInitial, backoffMax, indexResetGrace, serviceFilter, "");
    }

    /** A watch's name in health, metrics and logs: another datacenter's carry "@name" (e.g. catalog-services@dc2). */
    public String watchName(String base) {
        return datacenter.isEmpty() ? base : base + "@" + datacenter;
    }

    public Backoff newBackoff() {
        return new Backoff(backoffInitial, backoffMax);
    }

    public IndexTracker newIndexTracker() {
        return new IndexTracker(indexResetGrace, System::nanoTime);
    }
}
