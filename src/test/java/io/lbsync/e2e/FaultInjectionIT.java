package io.lbsync.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.consulsim.CheckDefinition;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.Fault;
import io.lbsync.consulsim.FaultRule;
import io.lbsync.consulsim.ServiceDefinition;
import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.watch.ConsulErrorKind;
import io.lbsync.watch.WatchHealth;
import java.io.IOException;
import java.nio.file.Files;
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
 * simulator. For each fault: after a first good install, the fault starts, Consul changes (one instance goes, another
 * comes: a fault misread as data would render a different file), the fault lasts for several retries, and meanwhile
 * the live file stays byte for byte the same, no reload runs, and the watch's error counter of that kind moves. Then
 * the fault ends and the config follows Consul's current state, without restarting lbsync.
 * <p>
 * Reloads are recorded by a small script (tests may use a shell; lbsync itself never does). {@code lbsync.consul.wait}
 * is 2 s, so the watch's read timeout is 2 s × 17/16 + 5 s.
 */
class FaultInjectionIT {
    /** Errors of the fault's kind to see, and retries of the catalog long poll, before the fault may end. */
    private static final int SEVERAL = 3;
    /** At least this long between the Consul change and the checks: a misread would have been rendered by then. */
    private static final Duration MIN_HOLD = Duration.ofSeconds(2);
    private static final Duration HOLD_TIMEOUT = Duration.ofSeconds(40);
    /** Worst case: the longest retry delay reached during a hold (backoff 0.5 s doubling, capped at 30 s). */
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(40);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private ConsulSimulator sim;
    private LbsyncApp app;
    private WatchHealth health;
    private Path output;
    private Path reloads;
    private String node;
    private final String service = ConsulTestCluster.unique("faulty");

    @BeforeEach
    void start() throws Exception {
        // faults real Consul cannot be made to produce: always the simulator (RealConsulFaultsIT: the real ones)
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().agents("node-1").antiEntropyInterval(Duration.ofMillis(200)), null);
        sim = cluster.simulator();
        node = cluster.nodes().get(0);
        output = dir.resolve("haproxy.cfg");
        reloads = dir.resolve("reloads.log");
        Path reloadScript = dir.resolve("record-reload.sh");
        Files.writeString(reloadScript, "#!/bin/sh\necho reload >> \"$1\"\n");
        assertThat(reloadScript.toFile().setExecutable(true)).isTrue();

        register("i1", 19101);
        register("i2", 19102);
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.wait", "2s");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.reload-command", reloadScript + " " + reloads);
        p.put("lbsync.cleanup.enabled", "false");
        app = LbsyncApp.start(p);
        health = app.camel().getRegistry().lookupByNameAndType("watchHealth", WatchHealth.class);
        assertThat(health).as("bean watchHealth").isNotNull();
        await("first install").atMost(Duration.ofSeconds(20)).until(() -> live().contains(server(19101))
                && live().contains(server(19102)) && installed() && reloadCount() == 1);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (app != null) {
                app.close();
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
        Snapshot before = snapshot(kind);
        FaultRule rule = sim.faults().inject("/v1/", fault);
        changeConsul();
        holdForSeveralRetries(before, kind);
        assertThat(rule.hits()).isGreaterThanOrEqualTo(SEVERAL);
        assertNothingChanged(before, name);

        sim.faults().clear();
        awaitConvergedWithOneReload(before);
    }

    @Test
    void refusedConnectionsWhileConsulIsDown() throws Exception {
        Snapshot before = snapshot(ConsulErrorKind.CONNECTION);
        cluster.stopConsul();
        holdForSeveralRetries(before, ConsulErrorKind.CONNECTION);
        assertNothingChanged(before, "Consul down");

        cluster.startConsul();
        changeConsul(); // right after the restart, while the watch is still waiting to retry
        awaitConvergedWithOneReload(before);
    }

    @Test
    void answersSlowerThanTheReadTimeout() throws Exception {
        Snapshot before = snapshot(ConsulErrorKind.TIMEOUT);
        sim.faults().inject("/v1/", Fault.delay(Duration.ofSeconds(30))); // read timeout: 2s × 17/16 + 5s
        changeConsul();
        holdForSeveralRetries(before, ConsulErrorKind.TIMEOUT);
        assertNothingChanged(before, "timeouts");

        sim.faults().clear();
        awaitConvergedWithOneReload(before);
    }

    @Test
    void slowAnswersWithinTheReadTimeoutStillWork() throws Exception {
        Snapshot before = snapshot(ConsulErrorKind.TIMEOUT);
        FaultRule slow = sim.faults().inject("/v1/", Fault.delay(Duration.ofSeconds(1)));
        changeConsul();
        awaitConvergedWithOneReload(before);
        assertThat(slow.hits()).isGreaterThan(0);
        assertThat(health.errorCounts()).as("no error of any kind while merely slow").isEqualTo(before.errorCounts());
    }

    // ---- steps ----

    private record Snapshot(byte[] live, int reloads, long errors, Map<String, Long> errorCounts) {
    }

    private Snapshot snapshot(ConsulErrorKind kind) throws IOException {
        return new Snapshot(Files.readAllBytes(output), reloadCount(), health.errorCount(kind), health.errorCounts());
    }

    /**
     * One instance goes, another comes: what lbsync renders next must differ from the live file. Through the
     * simulator's Java API (the same as the agent's HTTP API), which the faults on its HTTP API do not touch.
     */
    private void changeConsul() {
        sim.deregisterService(node, "i1");
        register("i3", 19103);
    }

    private void holdForSeveralRetries(Snapshot before, ConsulErrorKind kind) {
        long changed = System.nanoTime();
        await("several " + kind.label() + " errors").atMost(HOLD_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() ->
                health.errorCount(kind) >= before.errors() + SEVERAL && catalogFailures() >= 2
                        && System.nanoTime() - changed >= MIN_HOLD.toNanos());
        assertThat(health.states().get("catalog-services").lastErrorKind()).isEqualTo(kind);
    }

    private void assertNothingChanged(Snapshot before, String fault) throws IOException {
        assertThat(Files.readAllBytes(output)).as("live config during: " + fault).isEqualTo(before.live());
        assertThat(reloadCount()).as("reloads during: " + fault).isEqualTo(before.reloads());
    }

    private void awaitConvergedWithOneReload(Snapshot before) throws IOException {
        // the live file is swapped in just before the reload runs: wait for both
        await("config follows Consul").atMost(CONVERGE_TIMEOUT).until(() -> live().contains(server(19103))
                && !live().contains(server(19101)) && reloadCount() > before.reloads() && installed());
        assertThat(live()).contains(server(19102));
        // every long poll is back (one may still be waiting out its backoff when the config has already converged)
        await("every watch recovered").atMost(CONVERGE_TIMEOUT).until(() -> health.states().values().stream()
                .allMatch(s -> s.consecutiveFailures() == 0));
        assertThat(reloadCount()).isEqualTo(before.reloads() + 1);
    }

    // ---- helpers ----

    private void register(String id, int port) {
        sim.registerService(node, ServiceDefinition.of(id, service, "127.0.0.1", port).withTags("lbsync.host=" + service + ".test")
                .withCheck(CheckDefinition.ttl(Duration.ofMinutes(10)).withId("check-" + id).withStatus("passing")));
    }

    private static String server(int port) {
        return " 127.0.0.1:" + port;
    }

    private String live() throws IOException {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    private int reloadCount() throws IOException {
        return Files.isRegularFile(reloads) ? Files.readAllLines(reloads).size() : 0;
    }

    /** The last run of the haproxy target installed a config or found it unchanged. */
    private boolean installed() {
        TargetStatus s = app.target("haproxy").status();
        return s != null && !s.failed();
    }

    private int catalogFailures() {
        WatchHealth.State s = health.states().get("catalog-services");
        return s == null ? 0 : s.consecutiveFailures();
    }
}
