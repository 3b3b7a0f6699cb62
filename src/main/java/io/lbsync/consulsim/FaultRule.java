package io.lbsync.consulsim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One injected fault in force (see {@link ConsulFaults}): which requests it matches and how often it applied. */
public final class FaultRule {
    static final int UNLIMITED = -1;

    private final ConsulFaults owner;
    private final String pathPrefix;
    private final String queryParam;
    private final Fault fault;
    /** Uses left, or UNLIMITED. */
    private final AtomicInteger remaining;
    private final AtomicLong hits = new AtomicLong();
    private volatile boolean active = true;

    FaultRule(ConsulFaults owner, String pathPrefix, String queryParam, int times, Fault fault) {
        this.owner = owner;
        this.pathPrefix = pathPrefix;
        this.queryParam = queryParam;
        this.fault = java.util.Objects.requireNonNull(fault);
        this.remaining = new AtomicInteger(times);
    }

    /** How many requests got this fault so far. */
    public long hits() {
        return hits.get();
    }

    /** False once removed, cleared, or used up. */
    public boolean active() {
        return active;
    }

    /** Takes the rule out of force (requests already delayed by it still finish late). */
    public void remove() {
        deactivate();
        owner.remove(this);
    }

    Fault fault() {
        return fault;
    }

    void deactivate() {
        active = false;
    }

    boolean matches(String path, String rawQuery) {
        return active && path.startsWith(pathPrefix) && (queryParam == null || hasParam(rawQuery, queryParam));
    }

    /** Takes one use; false when another request took the last one first. */
    boolean consume() {
        while (true) {
            int left = remaining.get();
            if (left == UNLIMITED) {
                hits.incrementAndGet();
                return true;
            }
            if (left == 0) {
                return false;
            }
            if (remaining.compareAndSet(left, left - 1)) {
                if (left == 1) {
                    active = false;
                }
                hits.incrementAndGet();
                return true;
            }
        }
    }

    private static boolean hasParam(String rawQuery, String name) {
        if (rawQuery == null) {
            return false;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if ((eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "FaultRule[" + pathPrefix + (queryParam == null ? "" : "?" + queryParam) + " → " + fault + ", hits="
                + hits() + (active ? "" : ", inactive") + "]";
    }
}
