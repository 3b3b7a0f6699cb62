package io.lbsync.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.runtimeapi.HaproxyServerLines;
import io.lbsync.testsupport.Closer;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.HaproxyMasterWorker;
import io.lbsync.testsupport.HttpTestBackends;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Ports;
import io.lbsync.testsupport.RawHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 on a real two-datacenter Consul (dc2: its own server, joined over WAN) and a real HAProxy with the runtime
 * API: dc1's instances serve; when all of them are critical, dc2's (backup servers) do, with no failed request once the
 * switch has settled and no reload; dc1 back, traffic back. A suspended dc2 does not hold up dc1's changes, and its
 * backup servers keep their last known state.
 */
class MultiDatacenterIT {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);
    private static HttpTestBackends backends;

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private ConsulTestCluster.Datacenter dc2;
    private String node;
    private Path output;
    private int frontendPort;
    private HaproxyMasterWorker haproxy;
    private LbsyncApp app;
    private final String service = ConsulTestCluster.unique("mdc");
    private final String host = service + ".test";

    @BeforeAll
    static void startBackends() throws IOException {
        backends = HttpTestBackends.start("dc1-a", "dc1-b", "dc2-a");
    }

    @AfterAll
    static void stopBackends() {
        backends.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.startWithSecondDatacenter("node-1");
        dc2 = cluster.secondDatacenter();
        node = cluster.nodes().get(0);
        output = dir.resolve("haproxy.cfg");
        frontendPort = Ports.free();
        Files.writeString(output, HaproxyMasterWorker.initialConfig(frontendPort));
        Path masterSocket = dir.resolve("master.sock");
        haproxy = HaproxyMasterWorker.start(output, masterSocket);
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.services", service);
        p.put("lbsync.consul.datacenters", "dc1," + dc2.name());
        p.put("lbsync.targets", "haproxy");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + frontendPort);
        p.put("lbsync.haproxy.master-socket", masterSocket.toString());
        p.put("lbsync.haproxy.runtime-api", "true");
        p.put("lbsync.haproxy.drain-timeout", "5s");
        p.put("lbsync.wait.min", "20ms");
        p.put("lbsync.wait.max", "200ms");
        app = LbsyncApp.start(p);
    }

    @AfterEach
    void tearDown() throws Exception {
        Closer.closeAll(app, haproxy, cluster);
    }

    @Test
    void dc2ServesOnlyWhileNoDc1InstancePassesWithoutReloadOrFailedRequest() throws Exception {
        register(cluster.http(), node, "dc1-a");
        register(dc2.http(), dc2.node(), "dc2-a");
        awaitServers(Map.of("dc1-a", "normal", "dc2-a", "backup"));
        assertThat(count(40)).as("dc1 serves while it can").containsOnlyKeys("dc1-a");
        int reloads = haproxy.counters().reloads();

        long down = System.nanoTime();
        cluster.http().failCheck(node, checkId("dc1-a"), "down").requireOk();
        await("dc2 serving").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> RawHttp.request(frontendPort, host).label().equals("dc2-a"));
        long switched = System.nanoTime();
        Map<String, Integer> during = count(100);
        System.out.printf("MultiDatacenterIT: dc1 critical → dc2 served after %d ms; then 100 requests: %s%n",
                (switched - down) / 1_000_000, during);
        assertThat(during).as("after the switch settled: every request served by dc2, none failed").containsOnlyKeys("dc2-a");

        cluster.http().passCheck(node, checkId("dc1-a"), "").requireOk();
        awaitServers(Map.of("dc1-a", "normal", "dc2-a", "backup"));
        await("dc1 serving again").atMost(CHANGE_TIMEOUT).until(() -> RawHttp.request(frontendPort, host).label().equals("dc1-a"));
        assertThat(count(40)).as("traffic back to dc1").containsOnlyKeys("dc1-a");
        assertThat(haproxy.counters().reloads()).as("reloads for the failover and back").isEqualTo(reloads);
    }

    @Test
    void aSuspendedDc2NeitherDelaysDc1NorLosesItsBackupServers() throws Exception {
        register(cluster.http(), node, "dc1-a");
        register(dc2.http(), dc2.node(), "dc2-a");
        awaitServers(Map.of("dc1-a", "normal", "dc2-a", "backup"));
        cluster.pauseSecondDatacenter();
        try {
            long t0 = System.nanoTime();
            register(cluster.http(), node, "dc1-b");
            awaitServers(Map.of("dc1-a", "normal", "dc1-b", "normal", "dc2-a", "backup"));
            long took = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("MultiDatacenterIT: dc2 suspended: a dc1 change reached the file in %d ms%n", took);
            assertThat(took).as("dc1 change to file with dc2 suspended (ms)").isLessThan(5_000);

            // dc2's reads fail once lbsync's read timeout passes (Consul itself answers only after ~40 s): health says
            // DEGRADED, not DOWN, and dc2's backup server stays as last known
            long failing = System.nanoTime();
            await("dc2's watch failing").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> app.httpGet("/status").json().path("health").path("degraded").toString().contains("@" + dc2.name()));
            System.out.printf("MultiDatacenterIT: dc2's watch reported failing %d ms after the dc1 change%n",
                    (System.nanoTime() - failing) / 1_000_000);
            assertThat(app.httpGet("/status").json().path("health").path("status").asText()).isEqualTo("DEGRADED");
            assertThat(app.httpGet("/observe/metrics").body()).contains("lbsync_datacenter_up{datacenter=\"" + dc2.name() + "\"} 0.0");
            assertThat(fileServers()).containsEntry(endpoint("dc2-a"), "backup");
            long t1 = System.nanoTime();
            cluster.http().failCheck(node, checkId("dc1-b"), "down").requireOk();
            awaitServers(Map.of("dc1-a", "normal", "dc2-a", "backup"));
            System.out.printf("MultiDatacenterIT: with dc2's watch failing, a dc1 change reached the file in %d ms%n",
                    (System.nanoTime() - t1) / 1_000_000);
            assertThat(count(20)).containsOnlyKeys("dc1-a");
        } finally {
            cluster.resumeSecondDatacenter();
        }
    }

    // ---- helpers ----

    private String checkId(String backend) {
        return "check-" + service + "-" + backend;
    }

    /** An instance of the service on the backend of that name, with a passing TTL check, through the given agent. */
    private void register(io.lbsync.testsupport.ConsulHttp http, String agentNode, String backend) {
        http.registerService(agentNode, "{\"ID\":\"" + service + "-" + backend + "\",\"Name\":\"" + service + "\","
                + "\"Address\":\"127.0.0.1\",\"Port\":" + backends.port(backend) + ",\"Tags\":[\"lbsync.host=" + host + "\"],"
                + "\"Check\":{\"CheckID\":\"" + checkId(backend) + "\",\"TTL\":\"30m\",\"Status\":\"passing\"}}").requireOk();
    }

    private String endpoint(String backend) {
        return "127.0.0.1:" + backends.port(backend);
    }

    /** Waits until the file has exactly these servers (backend → "normal" or "backup"). */
    private void awaitServers(Map<String, String> wanted) {
        Map<String, String> byEndpoint = new TreeMap<>();
        wanted.forEach((b, role) -> byEndpoint.put(endpoint(b), role));
        await("servers " + byEndpoint).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> fileServers().equals(byEndpoint) && workerServers().equals(byEndpoint.keySet()));
    }

    /** addr:port of the running worker's servers with a non-zero weight (the config HAProxy really runs). */
    private java.util.Set<String> workerServers() throws IOException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        haproxy.servingServers("").stream().filter(s -> s.weight() != 0 && !s.backend().equals("lbsync_no_route"))
                .forEach(s -> out.add(s.endpoint()));
        return out;
    }

    /** endpoint → "normal" / "backup" of the servers with a non-zero weight in the live file. */
    private Map<String, String> fileServers() throws IOException {
        Map<String, String> out = new TreeMap<>();
        HaproxyServerLines.parse(Files.readString(output)).backends().values().forEach(servers -> servers.values().stream()
                .filter(s -> s.weight() != 0)
                .forEach(s -> out.put(s.endpoint(), s.options().contains("backup") ? "backup" : "normal")));
        return out;
    }

    private Map<String, Integer> count(int requests) throws IOException {
        return RawHttp.tally(frontendPort, host, "/", requests);
    }
}
