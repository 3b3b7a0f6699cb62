package io.lbsync.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/**
 * One lbsync (shipped routes, real {@code haproxy -c}, reloads recorded by a small script) watched through a Consul
 * fault: what it installed before, that it holds still during the fault (same bytes, no reload, errors of the
 * expected kind counted), and that it follows Consul afterwards with one reload and no restart. Shared by the
 * simulator's injected faults (FaultInjectionIT) and real Consul's (RealConsulFaultsIT).
 * <p>
 * Reloads are recorded by a shell script (tests may use a shell; lbsync itself never does). {@code lbsync.consul.wait}
 * is 2 s, so the watch's read timeout is 2 s × 17/16 + 5 s.
 */
final class FaultScenario implements AutoCloseable {
    /** At least this long between the Consul change and the checks: a misread would have been rendered by then. */
    private static final Duration MIN_HOLD = Duration.ofSeconds(2);

    private final Path output;
    private final Path reloads;
    private final LbsyncApp app;
    private final WatchHealth health;

    /** A live file, what it held, how many reloads there were and how many errors of one kind. */
    record Snapshot(byte[] live, int reloads, long errors, Map<String, Long> errorCounts) {
    }

    private FaultScenario(Path output, Path reloads, LbsyncApp app) {
        this.output = output;
        this.reloads = reloads;
        this.app = app;
        this.health = app.camel().getRegistry().lookupByNameAndType("watchHealth", WatchHealth.class);
        assertThat(health).as("bean watchHealth").isNotNull();
    }

    /**
     * Starts lbsync on {@code cluster}, watching only {@code service} (other tests' services on a shared real cluster
     * come and go), with the haproxy target writing into {@code dir}; {@code extra} overrides.
     */
    static FaultScenario start(ConsulTestCluster cluster, String service, Path dir, Map<String, String> extra) throws IOException {
        Path output = dir.resolve("haproxy.cfg");
        Path reloads = dir.resolve("reloads.log");
        Path reloadScript = dir.resolve("record-reload.sh");
        Files.writeString(reloadScript, "#!/bin/sh\necho reload >> \"$1\"\n");
        assertThat(reloadScript.toFile().setExecutable(true)).isTrue();
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.wait", "2s");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.reload-command", reloadScript + " " + reloads);
        p.put("lbsync.cleanup.enabled", "false");
        p.put("lbsync.consul.services", service);
        p.putAll(extra);
        return new FaultScenario(output, reloads, LbsyncApp.start(p));
    }

    /** Registers {@code id-service} (127.0.0.1:{@code port}, host {@code service}.test) on the agent of {@code node}. */
    static void register(ConsulTestCluster cluster, String node, String service, String id, int port) {
        cluster.http().registerService(node, "{\"ID\":\"" + id + "-" + service + "\",\"Name\":\"" + service + "\",\"Address\":"
                + "\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + service + ".test\"]}").requireOk();
    }

    /** A server on 127.0.0.1:{@code port} as the rendered HAProxy config shows it. */
    static String server(int port) {
        return " 127.0.0.1:" + port;
    }

    WatchHealth health() {
        return health;
    }

    LbsyncApp app() {
        return app;
    }

    /** The first install: every server in the file, one reload. */
    void awaitFirstInstall(Duration timeout, String... servers) {
        await("first install").atMost(timeout).until(() -> containsAll(servers) && installed() && reloadCount() == 1);
    }

    Snapshot snapshot(ConsulErrorKind kind) throws IOException {
        return new Snapshot(Files.readAllBytes(output), reloadCount(), health.errorCount(kind), health.errorCounts());
    }

    /** Waits until the watch has failed {@code several} times with {@code kind} (and the catalog poll twice). */
    void holdForSeveralRetries(Snapshot before, ConsulErrorKind kind, int several, Duration timeout) {
        long changed = System.nanoTime();
        await("several " + kind.label() + " errors").atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() ->
                health.errorCount(kind) >= before.errors() + several && catalogFailures() >= 2
                        && System.nanoTime() - changed >= MIN_HOLD.toNanos());
        assertThat(health.states().get("catalog-services").lastErrorKind()).isEqualTo(kind);
    }

    void assertNothingChanged(Snapshot before, String fault) throws IOException {
        assertThat(Files.readAllBytes(output)).as("live config during: " + fault).isEqualTo(before.live());
        assertThat(reloadCount()).as("reloads during: " + fault).isEqualTo(before.reloads());
    }

    /** The file holds {@code present} and none of {@code absent}, after exactly one more reload; every watch is back. */
    void awaitConvergedWithOneReload(Snapshot before, Duration timeout, String[] present, String... absent) throws IOException {
        awaitConverged(before, 1, timeout, present, absent);
    }

    /** As {@link #awaitConvergedWithOneReload}, allowing up to {@code reloads} reloads (changes that reach Consul apart). */
    void awaitConverged(Snapshot before, int reloads, Duration timeout, String[] present, String... absent) throws IOException {
        // the live file is swapped in just before the reload runs: wait for both
        await("config follows Consul").atMost(timeout).until(() -> containsAll(present) && containsNone(absent)
                && reloadCount() > before.reloads() && installed());
        // every long poll is back (one may still be waiting out its backoff when the config has already converged)
        await("every watch recovered").atMost(timeout).until(() -> health.states().values().stream()
                .allMatch(s -> s.consecutiveFailures() == 0));
        assertThat(reloadCount()).isBetween(before.reloads() + 1, before.reloads() + reloads);
    }

    String live() throws IOException {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    int reloadCount() throws IOException {
        return Files.isRegularFile(reloads) ? Files.readAllLines(reloads).size() : 0;
    }

    /** The last run of the haproxy target installed a config or found it unchanged. */
    boolean installed() {
        TargetStatus s = app.target("haproxy").status();
        return s != null && !s.failed();
    }

    private boolean containsAll(String... texts) throws IOException {
        String live = live();
        for (String t : texts) {
            if (!live.contains(t)) {
                return false;
            }
        }
        return true;
    }

    private boolean containsNone(String... texts) throws IOException {
        String live = live();
        for (String t : texts) {
            if (live.contains(t)) {
                return false;
            }
        }
        return true;
    }

    private int catalogFailures() {
        WatchHealth.State s = health.states().get("catalog-services");
        return s == null ? 0 : s.consecutiveFailures();
    }

    @Override
    public void close() throws Exception {
        app.close();
    }
}
