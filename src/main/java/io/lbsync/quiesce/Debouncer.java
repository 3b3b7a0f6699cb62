package io.lbsync.quiesce;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * consul-template's wait {min, max}: after a signal, deliver once nothing new arrived for {@code min}, but no
 * later than {@code max} after the first undelivered signal, so a steady stream of changes still gets through.
 * Only the latest value is delivered. Each listener (one per target) gets its own thread: its deliveries never
 * overlap, and a slow or hanging listener (a validate command at its timeout) never delays another.
 */
public final class Debouncer {
    private final ScheduledExecutorService scheduler;
    private final Map<Consumer<Object>, ExecutorService> listeners = new ConcurrentHashMap<>();
    private final Supplier<ExecutorService> listenerThreads;
    private Duration min = Duration.ZERO;
    private Duration max = Duration.ZERO;
    private Object latest;
    private long firstPendingNanos = -1;
    private ScheduledFuture<?> pending;

    /** @param listenerThreads makes the single-thread executor each listener is delivered on */
    public Debouncer(ScheduledExecutorService scheduler, Supplier<ExecutorService> listenerThreads) {
        this.scheduler = scheduler;
        this.listenerThreads = listenerThreads;
    }

    public synchronized void configure(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    /** A value to start from, delivered to listeners that join (nothing is scheduled). */
    public synchronized void seed(Object value) {
        if (latest == null) {
            latest = value;
        }
    }

    public void signal(Object value) {
        synchronized (this) {
            latest = value;
            long now = System.nanoTime();
            if (firstPendingNanos < 0) {
                firstPendingNanos = now;
            }
            long deadline = Math.min(now + min.toNanos(), firstPendingNanos + max.toNanos());
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
            if (deadline > now) {
                pending = scheduler.schedule(this::fire, deadline - now, TimeUnit.NANOSECONDS);
                return;
            }
        }
        fire(); // due now (wait.min 0): no hop through the scheduler's thread
    }

    /** A listener that joins late still gets the current value (the first snapshot may come before it starts). */
    public void addListener(Consumer<Object> listener) {
        listeners.put(listener, listenerThreads.get());
        Object current;
        boolean deliverNow;
        synchronized (this) {
            current = latest;
            deliverNow = current != null && pending == null; // a pending delivery reaches the new listener anyway
        }
        if (deliverNow) {
            deliver(listener, current); // to the newcomer only: the others already have it
        }
    }

    /** Delivers the then-latest value to one listener again after a delay (its last run failed). */
    public void retry(Consumer<Object> listener, Duration delay) {
        scheduler.schedule(() -> {
            Object current;
            synchronized (this) {
                current = latest;
            }
            deliver(listener, current);
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void removeListener(Consumer<Object> listener) {
        ExecutorService thread = listeners.remove(listener);
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    private void fire() {
        Object value;
        synchronized (this) {
            value = latest;
            firstPendingNanos = -1;
            pending = null;
        }
        for (Consumer<Object> listener : listeners.keySet()) {
            deliver(listener, value);
        }
    }

    private void deliver(Consumer<Object> listener, Object value) {
        ExecutorService thread = listeners.get(listener);
        if (thread != null && !thread.isShutdown()) {
            thread.execute(() -> listener.accept(value));
        }
    }
}
