package io.lbsync.watch;

import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consul blocking query repeated forever (DESIGN.md, Consul rules 1-4): sends back the last index,
 * hands on a reading only when the index moved, waits at least {@code minInterval} between requests, and
 * on any error backs off exponentially (capped, jittered) and tries again, never giving up.
 */
public final class BlockingLoop<T> implements Runnable {
    /** One blocking read at the given index. */
    @FunctionalInterface
    public interface Query<T> {
        Reading<T> read(long index, Duration wait);
    }

    private static final Logger LOG = LoggerFactory.getLogger(BlockingLoop.class);

    private final String name;
    private final Query<T> query;
    private final Duration wait;
    private final Duration minInterval;
    private final Backoff backoff;
    private final Consumer<Reading<T>> onAdvance;
    private final WatchHealth health;
    private final IndexTracker index = new IndexTracker();
    private volatile boolean running = true;

    public BlockingLoop(String name, Query<T> query, Duration wait, Duration minInterval, Backoff backoff,
                        Consumer<Reading<T>> onAdvance, WatchHealth health) {
        this.name = name;
        this.query = query;
        this.wait = wait;
        this.minInterval = minInterval;
        this.backoff = backoff;
        this.onAdvance = onAdvance;
        this.health = health;
    }

    @Override
    public void run() {
        while (running) {
            long started = System.nanoTime();
            try {
                Reading<T> reading = query.read(index.next(), wait);
                recovered();
                if (index.observe(reading.index())) {
                    onAdvance.accept(reading);
                }
                sleep(minInterval.minusNanos(System.nanoTime() - started));
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                failed(e);
            }
        }
    }

    private void recovered() {
        int failures = backoff.failures();
        if (failures > 0) {
            LOG.info("event=consul-recovered watch={} failures={}", name, failures);
            backoff.reset();
        }
        health.success(name);
    }

    private void failed(RuntimeException e) {
        Duration delay = backoff.nextDelay();
        health.failure(name, e);
        LOG.warn("event=consul-error watch={} failures={} retry_in_ms={} error=\"{}\"", name, backoff.failures(),
                delay.toMillis(), WatchHealth.describe(e));
        sleep(delay);
    }

    private void sleep(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    public void stop() {
        running = false;
    }
}
