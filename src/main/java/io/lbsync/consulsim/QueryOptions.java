package io.lbsync.consulsim;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** ?index, ?wait, ?stale, ?consistent, parsed and validated like Consul's parseWait/parseConsistency. */
record QueryOptions(long minIndex, Duration maxWait, boolean stale, boolean consistent) {
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    /** Consul adds up to wait/16 of random jitter to every blocking query. */
    static final int JITTER_FRACTION = 16;

    static QueryOptions parse(ApiRequest req) throws ApiException {
        Duration wait = Duration.ZERO;
        String w = req.param("wait");
        if (w != null && !w.isEmpty()) {
            try {
                wait = GoDuration.parse(w);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Invalid wait time");
            }
        }
        long index = 0;
        String i = req.param("index");
        if (i != null && !i.isEmpty()) {
            try {
                index = Long.parseUnsignedLong(i);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Invalid index");
            }
        }
        boolean stale = req.has("stale");
        boolean consistent = req.has("consistent");
        if (stale && consistent) {
            throw ApiException.badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.");
        }
        return new QueryOptions(index, wait, stale, consistent);
    }

    /** The server-side timeout: default 5m when unset or not positive, clamped to 10m, plus jitter. */
    Duration timeoutWithJitter() {
        Duration base = maxWait.isNegative() || maxWait.isZero() ? DEFAULT_WAIT : maxWait;
        if (base.compareTo(MAX_WAIT) > 0) {
            base = MAX_WAIT;
        }
        long jitterBound = base.toNanos() / JITTER_FRACTION;
        long jitter = jitterBound > 0 ? ThreadLocalRandom.current().nextLong(jitterBound) : 0;
        return base.plusNanos(jitter);
    }

    String consistencyLevel() {
        return stale ? "stale" : consistent ? "consistent" : "leader";
    }
}
