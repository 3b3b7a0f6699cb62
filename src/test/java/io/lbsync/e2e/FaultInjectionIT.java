package io.lbsync.e2e;

import static io.lbsync.e2e.FaultScenario.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.consulsim.CheckDefinition;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.Fault;
import io.lbsync.consulsim.FaultRule;
import io.lbsync.consulsim.ServiceDefinition;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.watch.ConsulErrorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Consul faults against the real lbsync (routes, beans, real {@code haproxy -c}), with faults injected into the Consul
 * simulator (always the simulator: real Consul cannot be made to answer like this; RealConsulFaultsIT has the faults
 * a real cluster can show). For each fault: after a first good install, the fault starts, Consul changes (one
 * instance goes, another comes: a fault misread as data would render a different file), the fault lasts for several
 * retries, and meanwhile the live file stays byte for byte the same, no reload runs, and the watch's error counter of
 * that kind moves. Then the fault ends and the config follows Consul's current state, without restarting lbsync.
 */
class FaultInjectionIT {
    /** Errors of the fault's kind to see, and retries of the catalog long poll, before the fault may end. */
    private static final int SEVERAL = 3;
    private static final Duration HOLD_TIMEOUT = Duration.ofSeconds(40);
    /** Worst case: the longest retry delay reached during a hold (backoff 0.5 s doubling, capped at 30 s). */
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(40);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private ConsulSimulator sim;
    private FaultScenario lbsync;
    private String node;
    private final String service = ConsulTestCluster.unique("faulty");

    @BeforeEach
    void start() throws Exception {
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().agents("node-1").antiEntropyInterval(Duration.ofMillis(200)), null);
        sim = cluster.simulator();
        node = cluster.nodes().get(0);
        register("i1", 19101);
        register("i2", 19102);
        lbsync = FaultScenario.start(cluster, service, dir, Map.of());
        lbsync.awaitFirstInstall(Duration.ofSeconds(20), server(19101), server(19102));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (lbsync != null) {
                lbsync.close();
            }
        } finally {
            cluster.close();
        }
    }

    static Stream<Arguments> answersThatMustNotBeActedOn() {
        return Stream.of(
                Arguments.of("HTTP 500 No cluster leader", Fault.noClusterLeader(), ConsulErrorKind.HTTP_5XX),
                Arguments.of("HTTP 503 from a proxy in front of Consul", Fault.status(503, "Service Unavailable\n"),
                        ConsulErrorKind.HTTP_5XX),
                Arguments.of("HTTP 429 per-client connection cap", Fault.tooManyConnections(), ConsulErrorKind.HTTP_429),
                Arguments.of("malformed JSON", Fault.body("<html><body><h1>502 Bad Gateway</h1></body></html>"),
                        ConsulErrorKind.BAD_RESPONSE),
                Arguments.of("truncated JSON", Fault.truncatedBody(), ConsulErrorKind.BAD_RESPONSE),
                Arguments.of("index going backwards", Fault.index(1), ConsulErrorKind.INDEX_RESET),
                Arguments.of("X-Consul-KnownLeader: false", Fault.knownLeader(false), ConsulErrorKind.NO_LEADER),
                Arguments.of("X-Consul-LastContact beyond max-stale, leader included", Fault.lastContact(Duration.ofMinutes(5)),
                        ConsulErrorKind.STALE),
                Arguments.of("connection dropped without an answer", Fault.dropConnection(), ConsulErrorKind.CONNECTION));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answersThatMustNotBeActedOn")
    void aFaultyAnswerKeepsTheLiveConfigAndRecoveryNeedsNoRestart(String name, Fault fault, ConsulErrorKind kind)
            throws Exception {
        FaultScenario.Snapshot before = lbsync.snapshot(kind);
        FaultRule rule = sim.faults().inject("/v1/", fault);
        changeConsul();
        lbsync.holdForSeveralRetries(before, kind, SEVERAL, HOLD_TIMEOUT);
        assertThat(rule.hits()).isGreaterThanOrEqualTo(SEVERAL);
        lbsync.assertNothingChanged(before, name);

        sim.faults().clear();
        awaitConverged(before);
    }

    @Test
    void refusedConnectionsWhileConsulIsDown() throws Exception {
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.CONNECTION);
        cluster.stopConsul();
        lbsync.holdForSeveralRetries(before, ConsulErrorKind.CONNECTION, SEVERAL, HOLD_TIMEOUT);
        lbsync.assertNothingChanged(before, "Consul down");

        cluster.startConsul();
        changeConsul(); // right after the restart, while the watch is still waiting to retry
        awaitConverged(before);
    }

    @Test
    void answersSlowerThanTheReadTimeout() throws Exception {
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.TIMEOUT);
        sim.faults().inject("/v1/", Fault.delay(Duration.ofSeconds(30))); // read timeout: 2s × 17/16 + 5s
        changeConsul();
        lbsync.holdForSeveralRetries(before, ConsulErrorKind.TIMEOUT, SEVERAL, HOLD_TIMEOUT);
        lbsync.assertNothingChanged(before, "timeouts");

        sim.faults().clear();
        awaitConverged(before);
    }

    @Test
    void slowAnswersWithinTheReadTimeoutStillWork() throws Exception {
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.TIMEOUT);
        FaultRule slow = sim.faults().inject("/v1/", Fault.delay(Duration.ofSeconds(1)));
        changeConsul();
        awaitConverged(before);
        assertThat(slow.hits()).isGreaterThan(0);
        assertThat(lbsync.health().errorCounts()).as("no error of any kind while merely slow").isEqualTo(before.errorCounts());
    }

    // ---- steps ----

    /**
     * One instance goes, another comes: what lbsync renders next must differ from the live file. Through the
     * simulator's Java API (the same as the agent's HTTP API), which the faults on its HTTP API do not touch.
     */
    private void changeConsul() {
        sim.deregisterService(node, "i1");
        register("i3", 19103);
    }

    private void awaitConverged(FaultScenario.Snapshot before) throws IOException {
        lbsync.awaitConvergedWithOneReload(before, CONVERGE_TIMEOUT, new String[] {server(19103), server(19102)}, server(19101));
    }

    // ---- helpers ----

    private void register(String id, int port) {
        sim.registerService(node, ServiceDefinition.of(id, service, "127.0.0.1", port).withTags("lbsync.host=" + service + ".test")
                .withCheck(CheckDefinition.ttl(Duration.ofMinutes(10)).withId("check-" + id).withStatus("passing")));
    }


}
