package io.lbsync.quiesce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DebouncerTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Debouncer debouncer = new Debouncer(scheduler, Executors::newSingleThreadExecutor);
    private final List<Object> delivered = new CopyOnWriteArrayList<>();
    private final List<Long> deliveredAt = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private void listen() {
        debouncer.addListener(v -> {
            delivered.add(v);
            deliveredAt.add(System.nanoTime());
        });
    }

    @Test
    void aBurstBecomesOneDeliveryOfTheLatestValue() throws Exception {
        debouncer.configure(Duration.ofMillis(200), Duration.ofSeconds(5));
        listen();
        for (int i = 1; i <= 10; i++) {
            debouncer.signal(i);
            Thread.sleep(10);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> delivered.size() == 1);
        Thread.sleep(400);
        assertThat(delivered).containsExactly(10);
    }

    @Test
    void waitsForTheQuietPeriod() throws Exception {
        debouncer.configure(Duration.ofMillis(300), Duration.ofSeconds(5));
        listen();
        long start = System.nanoTime();
        debouncer.signal("a");
        await().atMost(Duration.ofSeconds(2)).until(() -> delivered.size() == 1);
        assertThat(Duration.ofNanos(deliveredAt.get(0) - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
    }

    @Test
    void aSteadyStreamStillGetsThroughAtMaxWait() throws Exception {
        debouncer.configure(Duration.ofMillis(200), Duration.ofMillis(600));
        listen();
        long start = System.nanoTime();
        for (int i = 0; i < 40; i++) { // 2 s of changes, 50 ms apart: never 200 ms quiet
            debouncer.signal(i);
            Thread.sleep(50);
        }
        assertThat(delivered).hasSizeGreaterThanOrEqualTo(2);
        assertThat(Duration.ofNanos(deliveredAt.get(0) - start)).isLessThan(Duration.ofMillis(900));
    }

    @Test
    void aLateListenerGetsTheCurrentValue() {
        debouncer.configure(Duration.ZERO, Duration.ZERO);
        debouncer.signal("snapshot");
        listen();
        await().atMost(Duration.ofSeconds(2)).until(() -> delivered.contains("snapshot"));
    }

    @Test
    void aHangingListenerDoesNotDelayAnother() {
        debouncer.configure(Duration.ZERO, Duration.ZERO);
        debouncer.addListener(v -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        listen();
        debouncer.signal("x");
        await().atMost(Duration.ofSeconds(2)).until(() -> delivered.contains("x"));
    }
}
