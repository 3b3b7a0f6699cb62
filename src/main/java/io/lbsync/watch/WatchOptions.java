package io.lbsync.watch;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * How a catalog watch behaves.
 *
 * @param serviceFilter which service names to watch
 * @param minInterval   the least time between two requests of one long poll (rate limit, Consul rule 4)
 */
public record WatchOptions(Duration blockingWait, Duration minInterval, Duration backoffInitial, Duration backoffMax,
                           Predicate<String> serviceFilter) {

    public Backoff newBackoff() {
        return new Backoff(backoffInitial, backoffMax);
    }
}
