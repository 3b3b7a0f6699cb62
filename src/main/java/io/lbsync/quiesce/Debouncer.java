package io.lbsync.quiesce;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * consul-template's wait {min, max}: after a signal, deliver once nothing new arrived for {@code min}, but no
 * later than {@code max} after the first undelivered signal, so a steady stream of changes still gets through.
 * Only the latest value is delivered; deliveries run one at a time on one thread, never overlapping.
 */
public final class Debouncer {
    private final ScheduledExecutorService scheduler;
    private final List<Consumer<Object>> listeners = new CopyOnWriteArrayList<>();
    private Duration min = Duration.ZERO;
    private Duration max = Duration.ZERO;
    private Object latest;
    private long firstPendingNanos = -1;
    private ScheduledFuture<?> pending;

    public Debouncer(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    public synchronized void configure(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    public synchronized void signal(Object value) {
        latest = value;
        long now = System.nanoTime();
        if (firstPendingNanos < 0) {
            firstPendingNanos = now;
        }
        long deadline = Math.min(now + min.toNanos(), firstPendingNanos + max.toNanos());
        if (pending != null) {
            pending.cancel(false);
        }
        pending = scheduler.schedule(this::fire, Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
    }

    /** A listener that joins late still gets the current value (the first snapshot may come before it starts). */
    public void addListener(Consumer<Object> listener) {
        listeners.add(listener);
        Object current;
        synchronized (this) {
            current = latest;
        }
        if (current != null) {
            signal(current);
        }
    }

    /** Delivers the then-latest value to one listener again after a delay (its last run failed). */
    public void retry(Consumer<Object> listener, Duration delay) {
        scheduler.schedule(() -> {
            Object current;
            synchronized (this) {
                current = latest;
            }
            if (listeners.contains(listener)) {
                listener.accept(current);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void removeListener(Consumer<Object> listener) {
        listeners.remove(listener);
    }

    private void fire() {
        Object value;
        synchronized (this) {
            value = latest;
            firstPendingNanos = -1;
            pending = null;
        }
        for (Consumer<Object> listener : listeners) {
            listener.accept(value);
        }
    }
}
