package io.lbsync.consulsim;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The leader's session TTL timers (Consul's session_ttl.go): a session not renewed within TTL × 2 is destroyed.
 * They run on the simulator's scheduler, not in an agent, so they keep counting while the agents are stopped,
 * as the servers of a real cluster do while a client cannot reach them.
 */
final class SessionTimers {
    /** Consul's structs.SessionTTLMultiplier: the grace it gives on top of the TTL. */
    static final int TTL_MULTIPLIER = 2;

    private final StateStore store;
    private final Sessions sessions;
    private final ScheduledExecutorService scheduler;
    /** Session ID → its pending expiry; guarded by the state store lock. */
    private final Map<String, Countdown> pending = new HashMap<>();

    SessionTimers(StateStore store, Sessions sessions, ScheduledExecutorService scheduler) {
        this.store = store;
        this.sessions = sessions;
        this.scheduler = scheduler;
    }

    /** (Re)starts the countdown of a session that has a TTL. Lock held by caller. */
    void reset(SessionEntry s) {
        clear(s.id());
        Duration ttl = s.ttlDuration();
        if (ttl.isZero()) {
            return;
        }
        Countdown c = new Countdown(s.id());
        try {
            c.future = scheduler.schedule(c, ttl.toNanos() * TTL_MULTIPLIER, TimeUnit.NANOSECONDS);
            pending.put(s.id(), c);
        } catch (RejectedExecutionException closed) {
            // simulator closed: nothing expires any more
        }
    }

    /** Stops the countdown of a destroyed session. Lock held by caller. */
    void clear(String id) {
        Countdown c = pending.remove(id);
        if (c != null) {
            c.future.cancel(false);
        }
    }

    private final class Countdown implements Runnable {
        private final String id;
        private ScheduledFuture<?> future;

        Countdown(String id) {
            this.id = id;
        }

        /** A countdown replaced by a renewal while it was starting is stale and does nothing. */
        @Override
        public void run() {
            store.write(txn -> {
                if (pending.get(id) == this) {
                    pending.remove(id);
                    sessions.destroy(txn, id);
                }
                return null;
            });
        }
    }
}
