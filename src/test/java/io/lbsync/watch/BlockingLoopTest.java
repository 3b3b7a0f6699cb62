package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.config.ConsulSettings;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.consul.ConsulUnreachableException;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.Fault;
import io.lbsync.consulsim.ServiceDefinition;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One long poll under faults: nothing handed on, each failure counted by kind and logged once, recovery alone. */
class BlockingLoopTest {
    private final WatchHealth health = new WatchHealth();
    private final List<Reading<String>> advanced = new CopyOnWriteArrayList<>();
    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final AbstractAppender capture = new AbstractAppender("capture-" + System.nanoTime(), null, null, true,
            Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            logLines.add(event.getMessage().getFormattedMessage());
        }
    };
    private Thread thread;
    private BlockingLoop<?> loop;

    @BeforeEach
    void captureLogs() {
        capture.start();
        ((Logger) LogManager.getLogger(BlockingLoop.class)).addAppender(capture);
    }

    @AfterEach
    void stop() throws InterruptedException {
        ((Logger) LogManager.getLogger(BlockingLoop.class)).removeAppender(capture);
        if (loop != null) {
            loop.stop();
            thread.interrupt();
            thread.join(5000);
        }
    }

    private <T> void run(BlockingLoop.Query<T> query, java.util.function.Consumer<Reading<T>> sink) {
        BlockingLoop<T> l = new BlockingLoop<>("test-watch", query, Duration.ofMillis(100), Duration.ofMillis(1),
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), sink, health,
                new IndexTracker(Duration.ofHours(1), System::nanoTime));
        loop = l;
        thread = new Thread(l, "blocking-loop-test");
        thread.start();
    }

    private List<String> errorLines() {
        return logLines.stream().filter(l -> l.startsWith("event=consul-error ")).toList();
    }

    @Test
    void failuresAreCountedByKindLoggedWithItAndNothingIsHandedOn() {
        AtomicReference<RuntimeException> fault = new AtomicReference<>(
                new ConsulUnreachableException(URI.create("http://127.0.0.1:8500"), new java.net.ConnectException("Connection refused")));
        run((index, wait) -> {
            RuntimeException e = fault.get();
            if (e != null) {
                throw e;
            }
            return new Reading<>("data", 7);
        }, advanced::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> health.errorCount(ConsulErrorKind.CONNECTION) >= 3);
        fault.set(new ConsulUnavailableException(ConsulErrorKind.NO_LEADER, "no leader"));
        await().atMost(Duration.ofSeconds(5)).until(() -> health.errorCount("no_leader") >= 3);
        assertThat(advanced).isEmpty();
        assertThat(health.states().get("test-watch").lastErrorKind()).isEqualTo(ConsulErrorKind.NO_LEADER);
        assertThat(errorLines()).anySatisfy(l -> assertThat(l).contains("watch=test-watch", "kind=connection"))
                .anySatisfy(l -> assertThat(l).contains("kind=no_leader"));

        fault.set(null);
        await().atMost(Duration.ofSeconds(5)).until(() -> advanced.size() == 1);
        assertThat(advanced.get(0).data()).isEqualTo("data");
        assertThat(health.states().get("test-watch").consecutiveFailures()).isZero();
        assertThat(logLines).anySatisfy(l -> assertThat(l).startsWith("event=consul-recovered watch=test-watch"));
        assertThat(health.errorCounts()).containsKeys("connection", "timeout", "http_5xx", "http_429", "http_4xx",
                "bad_response", "no_leader", "stale", "index_reset", "other");
    }

    @Test
    void anAnswerWithAnIndexGoingBackwardsIsNotHandedOnUntilTheIndexPassesTheOldOne() {
        List<Long> sentIndexes = new CopyOnWriteArrayList<>();
        AtomicReference<Reading<String>> answer = new AtomicReference<>(new Reading<>("v1", 100));
        run((index, wait) -> {
            sentIndexes.add(index);
            return answer.get();
        }, advanced::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> advanced.size() == 1);
        answer.set(new Reading<>("old data", 40)); // a server behind the others, a restored snapshot...
        await().atMost(Duration.ofSeconds(5)).until(() -> health.errorCount(ConsulErrorKind.INDEX_RESET) >= 3);
        assertThat(advanced).hasSize(1);
        List<Long> sent = List.copyOf(sentIndexes); // the loop goes on adding: a sub-list of the live list may fail
        assertThat(sent.subList(sent.lastIndexOf(100L) + 1, sent.size())).containsOnly(0L);
        assertThat(errorLines()).anySatisfy(l -> assertThat(l).contains("kind=index_reset", "from 100 to 40"));

        answer.set(new Reading<>("v2", 101));
        await().atMost(Duration.ofSeconds(5)).until(() -> advanced.size() == 2);
        assertThat(advanced.get(1).data()).isEqualTo("v2");
    }

    @Test
    void aRestartAfterASwitchOfAgentsReadsAtIndexZeroAndACancelledReadIsNoError() {
        List<Long> sentIndexes = new CopyOnWriteArrayList<>();
        AtomicReference<Reading<String>> answer = new AtomicReference<>(new Reading<>("agent 1", 100));
        java.util.concurrent.atomic.AtomicBoolean cancelNext = new java.util.concurrent.atomic.AtomicBoolean();
        run((index, wait) -> {
            sentIndexes.add(index);
            if (cancelNext.getAndSet(false)) {
                // the other agent answers a lower index; set here, so no read of it can come before the switch
                answer.set(new Reading<>("agent 2", 90));
                loop.restart(); // as the switch does: listeners first, then the running call is cancelled
                throw new io.lbsync.consul.ConsulAgentSwitchedException(URI.create("http://a:8500"), URI.create("http://b:8500"));
            }
            return answer.get();
        }, advanced::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> advanced.size() == 1);
        cancelNext.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> advanced.size() == 2);
        assertThat(advanced.get(1).data()).isEqualTo("agent 2");
        assertThat(sentIndexes.get(sentIndexes.lastIndexOf(100L) + 1)).as("the read after the cancelled one").isZero();
        assertThat(health.errorCounts().values()).allMatch(n -> n == 0);
        assertThat(errorLines()).isEmpty();
    }

    @Test
    void aConsulErrorLogLineNeverCarriesTheToken() {
        String token = "6b1c9d0e-secret-token";
        try (ConsulSimulator sim = ConsulSimulator.builder().aclMasterToken(token).build().start();
             ConsulClientFactory factory = ConsulClientFactory.create(new ConsulSettings(java.util.List.of(URI.create(sim.url())),
                     io.lbsync.config.ConsulToken.fixed(Optional.of(token)), Optional.empty(), Optional.empty(),
                     Duration.ofSeconds(1), Duration.ofSeconds(10)))) {
            ConsulReader reader = new ConsulReader(factory);
            sim.registerService("node-1", ServiceDefinition.of("web-1", "web", "127.0.0.1", 8080));
            // an error body (from a proxy in front of Consul, say) that echoes the request's token
            sim.faults().inject("/v1/", Fault.status(502, "bad gateway for X-Consul-Token: " + token));
            run(reader::services, r -> { });
            await().atMost(Duration.ofSeconds(5)).until(() -> health.errorCount(ConsulErrorKind.HTTP_5XX) >= 2);
            sim.faults().clear();
            sim.faults().inject("/v1/", Fault.body("{\"web\": [\"" + token));
            await().atMost(Duration.ofSeconds(5)).until(() -> health.errorCount(ConsulErrorKind.BAD_RESPONSE) >= 2);
            assertThat(errorLines()).anySatisfy(l -> assertThat(l).contains("kind=http_5xx", "HTTP 502"))
                    .anySatisfy(l -> assertThat(l).contains("kind=bad_response"))
                    .allSatisfy(l -> assertThat(l).doesNotContain(token));
            assertThat(health.states().values()).allSatisfy(s -> assertThat(String.valueOf(s.lastError())).doesNotContain(token));
        }
    }
}
