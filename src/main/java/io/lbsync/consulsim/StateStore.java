package io.lbsync.consulsim;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The cluster's one lock, its raft-like index and its per-table max indexes (Consul's "index" table).
 * Every write allocates the next index and wakes all blocking queries, which then re-check their own index.
 * One global lock keeps the model simple; a simulator never has enough traffic for it to matter.
 */
final class StateStore {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Long> tableIndexes = new HashMap<>();
    private long raftIndex;

    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    void locked(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Runs a write; indexes are only allocated (and waiters woken) if it really changes something. */
    <T> T write(java.util.function.Function<Txn, T> action) {
        lock.lock();
        try {
            return action.apply(new Txn(this));
        } finally {
            lock.unlock();
        }
    }

    /** A write that may refuse with an API error; it must throw before changing anything, there is no rollback. */
    @FunctionalInterface
    interface Refusable<T> {
        T apply(Txn txn) throws ApiException;
    }

    /** Like {@link #write}, for writes that validate state under the lock first. */
    <T> T tryWrite(Refusable<T> action) throws ApiException {
        lock.lock();
        try {
            return action.apply(new Txn(this));
        } finally {
            lock.unlock();
        }
    }

    long allocateIndex() {
        requireLocked();
        raftIndex++;
        changed.signalAll();
        return raftIndex;
    }

    void bump(String table, long index) {
        requireLocked();
        tableIndexes.merge(table, index, Math::max);
    }

    void dropTable(String table) {
        requireLocked();
        tableIndexes.remove(table);
    }

    /** Max index over the given tables, 0 when none was ever written. */
    long index(String... tables) {
        requireLocked();
        long max = 0;
        for (String t : tables) {
            max = Math.max(max, tableIndexes.getOrDefault(t, 0L));
        }
        return max;
    }

    /** Waits (lock held) until any write or {@link #wakeAll()}; false when the time ran out. */
    boolean awaitChange(long nanos) throws InterruptedException {
        requireLocked();
        return changed.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** Wakes every waiter so it can notice that its agent stopped. */
    void wakeAll() {
        locked(changed::signalAll);
    }

    private void requireLocked() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("state store lock not held");
        }
    }

    /** One write transaction: all changes in it share one index, allocated on the first real change. */
    static final class Txn {
        private final StateStore store;
        private long index;

        private Txn(StateStore store) {
            this.store = store;
        }

        long index() {
            if (index == 0) {
                index = store.allocateIndex();
            }
            return index;
        }

        boolean changed() {
            return index != 0;
        }
    }
}
