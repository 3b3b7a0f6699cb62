package io.lbsync.watch;

import io.lbsync.consul.ConsulAgentSwitchedException;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consul blocking query repeated forever (docs/design-watching.md, Consul rules 1-4): sends back the last index,
 * hands on a reading only when the index moved, waits at least {@code minInterval} between requests, and
 * on any error backs off exponentially (capped, jittered) and tries again, never giving up. An answer whose index
 * went backwards is an error too (kind index_reset, see {@link IndexTracker}). Each failed read is counted in
 * {@link WatchHealth} and logged as one {@code event=consul-error} line naming its {@link ConsulErrorKind}.
 * <p>
 * {@link #restart()} (lbsync switched Consul agents) makes the next read a non-blocking one whose answer is handed on
 * like any change; a read the switch cancelled ({@link ConsulAgentSwitchedException}) is no error: read again at once.
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
    private final IndexTracker index;
    private volatile boolean running = true;
    private volatile boolean restart;

    public BlockingLoop(String name, Query<T> query, Duration wait, Duration minInterval, Backoff backoff,
                        Consumer<Reading<T>> onAdvance, WatchHealth health, IndexTracker index) {
        this.index = index;
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
            if (restart) {
                restart = false;
                index.restart();
            }
            try {
                Reading<T> reading = query.read(index.next(), wait);
                long acted = index.acted();
                IndexTracker.Observation seen = index.observe(reading.index());
                if (seen == IndexTracker.Observation.BACKWARDS) {
                    throw new ConsulUnavailableException(ConsulErrorKind.INDEX_RESET, "X-Consul-Index went backwards from "
                            + acted + " to " + reading.index() + ": answer not acted on, reading again in full");
                }
                recovered();
                if (seen == IndexTracker.Observation.RESET) {
                    LOG.warn("event=consul-index-reset watch={} from={} to={} reason=\"Consul kept answering a lower index:"
                            + " its data was reset (snapshot restore, rebuilt cluster); following it\"", name, acted, reading.index());
                }
                if (seen != IndexTracker.Observation.UNCHANGED) {
                    onAdvance.accept(reading);
                }
                sleep(minInterval.minusNanos(System.nanoTime() - started));
            } catch (ConsulAgentSwitchedException e) {
                LOG.debug("event=consul-read-cancelled watch={} reason=\"{}\"", name, e.getMessage());
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
        health.success(name, index.acted());
    }

    private void failed(RuntimeException e) {
        Duration delay = backoff.nextDelay();
        ConsulErrorKind kind = health.failure(name, e);
        LOG.warn("event=consul-error watch={} kind={} failures={} retry_in_ms={} error=\"{}\"", name, kind.label(),
                backoff.failures(), delay.toMillis(), WatchHealth.describe(e));
        if (kind == ConsulErrorKind.OTHER) {
            LOG.debug("event=consul-error-detail watch={}", name, e);
        }
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

    /** The Consul agent changed: the next read starts the blocking state again, at index 0. */
    public void restart() {
        restart = true;
    }

    public void stop() {
        running = false;
    }
}
