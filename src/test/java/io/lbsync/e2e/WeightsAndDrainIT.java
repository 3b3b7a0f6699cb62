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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, on real Consul and a real HAProxy 2.6 master-worker with lbsync's runtime API on: Consul's Weights split the
 * traffic; a warning instance follows lbsync.health.warning; an instance put in maintenance or deregistered while a
 * slow request runs on it finishes that request, gets no new ones, and leaves the config once it is idle — and none of
 * this reloads HAProxy.
 */
class WeightsAndDrainIT {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);
    private static HttpTestBackends backends;

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private Path output;
    private int frontendPort;
    private HaproxyMasterWorker haproxy;
    private LbsyncApp app;
    private final String service = ConsulTestCluster.unique("wd");
    private final String host = service + ".test";

    @BeforeAll
    static void startBackends() throws IOException {
        backends = HttpTestBackends.start("backend-1", "backend-2");
    }

    @AfterAll
    static void stopBackends() {
        backends.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        output = dir.resolve("haproxy.cfg");
        frontendPort = Ports.free();
    }

    @AfterEach
    void tearDown() throws Exception {
        Closer.closeAll(app, haproxy, cluster);
    }

    @Test
    void weightsThreeToOneSendThreeTimesTheRequests() throws Exception {
        start("serve");
        register(1, 3, 1);
        register(2, 1, 1);
        awaitServers(Map.of(1, 3, 2, 1));
        int reloads = haproxy.counters().reloads();

        Map<String, Integer> served = count(400, "/");
        double ratio = served.getOrDefault("backend-1", 0) / (double) Math.max(1, served.getOrDefault("backend-2", 0));
        System.out.printf("WeightsAndDrainIT: Weights.Passing 3 vs 1 over 400 requests: %s, ratio %.2f%n", served, ratio);
        assertThat(served.keySet()).containsOnly("backend-1", "backend-2");
        assertThat(ratio).as("requests of the weight-3 instance per request of the weight-1 one").isBetween(2.4, 3.6);

        register(2, 3, 1); // a new weight: the runtime API, no reload
        awaitServers(Map.of(1, 3, 2, 3));
        assertThat(haproxy.counters().reloads()).as("reloads for a weight change").isEqualTo(reloads);
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "drain", "exclude"})
    void aWarningInstanceFollowsThePolicy(String policy) throws Exception {
        start(policy);
        register(1, 3, 1);
        register(2, 3, 1);
        awaitServers(Map.of(1, 3, 2, 3));
        int reloads = haproxy.counters().reloads();

        cluster.http().warnCheck(node, checkId(2), "slow start").requireOk();
        Map<Integer, Integer> expected = switch (policy) {
            case "serve" -> Map.of(1, 3, 2, 1); // Weights.Warning
            case "drain" -> Map.of(1, 3, 2, 0); // in the config, no new requests
            default -> Map.of(1, 3);
        };
        awaitServers(expected);
        Map<String, Integer> served = count(200, "/");
        System.out.printf("WeightsAndDrainIT: lbsync.health.warning=%s: 200 requests %s%n", policy, served);
        if (policy.equals("serve")) {
            assertThat(served.getOrDefault("backend-2", 0)).as("the warning instance serves with its Warning weight")
                    .isBetween(30, 70);
        } else {
            assertThat(served).as("no request for the warning instance").containsOnlyKeys("backend-1");
        }
        assertThat(haproxy.counters().reloads()).as("reloads for the warning state").isEqualTo(reloads);

        cluster.http().passCheck(node, checkId(2), "").requireOk();
        awaitServers(Map.of(1, 3, 2, 3));
    }

    @Test
    void anInstancePutInMaintenanceFinishesItsRequestThenGetsNoNewOnes() throws Exception {
        drainsWhileARequestRuns(() -> cluster.http().serviceMaintenance(node, id(2), true).requireOk());
    }

    @Test
    void aDeregisteredInstanceFinishesItsRequestThenGetsNoNewOnes() throws Exception {
        drainsWhileARequestRuns(() -> cluster.http().deregisterService(node, id(2)).requireOk());
    }

    private void drainsWhileARequestRuns(Runnable takeOut) throws Exception {
        start("serve");
        register(1, 1, 1);
        register(2, 1, 1);
        awaitServers(Map.of(1, 1, 2, 1));
        int reloads = haproxy.counters().reloads();

        // two slow requests at once: round robin gives one to each instance
        long slowMillis = 4_000;
        List<CompletableFuture<RawHttp.Reply>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(CompletableFuture.supplyAsync(() -> request("/slow/" + slowMillis)));
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> sessions("backend-2") == 1);
        long takenOut = System.nanoTime();
        takeOut.run();

        // drained: still in the file, weight 0, so new requests all go to instance 1
        awaitServers(Map.of(1, 1, 2, 0));
        Map<String, Integer> during = count(50, "/");
        assertThat(during).as("new requests while instance 2 drains").containsOnlyKeys("backend-1");
        assertThat(slow.get(0).isDone() || slow.get(1).isDone()).as("the slow requests are still running").isFalse();

        List<String> slowAnswers = new ArrayList<>();
        for (CompletableFuture<RawHttp.Reply> f : slow) {
            slowAnswers.add(f.get(slowMillis + 10_000, TimeUnit.MILLISECONDS).label());
        }
        assertThat(slowAnswers).as("the requests in flight finished, one on each instance")
                .containsExactlyInAnyOrder("backend-1", "backend-2");
        long finished = System.nanoTime();

        // once idle, it leaves the config (well before the 30 s drain timeout)
        awaitServers(Map.of(1, 1));
        long removed = System.nanoTime();
        System.out.printf("WeightsAndDrainIT: drained instance left the config %d ms after it was taken out, %d ms after its "
                + "last request ended%n", (removed - takenOut) / 1_000_000, (removed - finished) / 1_000_000);
        assertThat(Duration.ofNanos(removed - takenOut)).as("drain ended by the idle server, not the timeout")
                .isLessThan(Duration.ofSeconds(20));
        assertThat(count(20, "/")).containsOnlyKeys("backend-1");
        assertThat(haproxy.counters().reloads()).as("reloads while draining and removing").isEqualTo(reloads);
        assertThat(app.target("haproxy").status().result()).isEqualTo(io.lbsync.install.TargetStatus.Result.INSTALLED);
    }

    // ---- set-up ----

    private void start(String warningPolicy) throws IOException {
        Files.writeString(output, HaproxyMasterWorker.initialConfig(frontendPort));
        Path masterSocket = dir.resolve("master.sock");
        haproxy = HaproxyMasterWorker.start(output, masterSocket);
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.services", service);
        p.put("lbsync.targets", "haproxy");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + frontendPort);
        p.put("lbsync.haproxy.master-socket", masterSocket.toString());
        p.put("lbsync.haproxy.runtime-api", "true");
        p.put("lbsync.haproxy.drain-timeout", "30s");
        p.put("lbsync.health.warning", warningPolicy);
        p.put("lbsync.wait.min", "20ms");
        p.put("lbsync.wait.max", "200ms");
        app = LbsyncApp.start(p);
    }

    private String id(int instance) {
        return service + "-" + instance;
    }

    private String checkId(int instance) {
        return "check-" + id(instance);
    }

    /** Instance n on backend-n, with a TTL check (passing) and the given Weights. */
    private void register(int instance, int passingWeight, int warningWeight) {
        cluster.http().registerService(node, "{\"ID\":\"" + id(instance) + "\",\"Name\":\"" + service + "\",\"Address\":\"127.0.0.1\","
                + "\"Port\":" + backends.port("backend-" + instance) + ",\"Tags\":[\"lbsync.host=" + host + "\"],"
                + "\"Weights\":{\"Passing\":" + passingWeight + ",\"Warning\":" + warningWeight + "},"
                + "\"Check\":{\"CheckID\":\"" + checkId(instance) + "\",\"TTL\":\"30m\",\"Status\":\"passing\"}}").requireOk();
    }

    // ---- what HAProxy serves ----

    /** Waits until the file and the running worker both have exactly these instances (number → weight). */
    private void awaitServers(Map<Integer, Integer> instanceWeights) {
        Map<String, Integer> wanted = new TreeMap<>();
        instanceWeights.forEach((i, w) -> wanted.put("127.0.0.1:" + backends.port("backend-" + i), w));
        await("servers " + wanted).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> fileServers().equals(wanted) && workerServers().equals(wanted));
    }

    private Map<String, Integer> fileServers() throws IOException {
        Map<String, Integer> out = new TreeMap<>();
        HaproxyServerLines.parse(Files.readString(output)).backends().values()
                .forEach(servers -> servers.values().forEach(s -> out.put(s.endpoint(), s.weight())));
        return out;
    }

    /** addr:port → weight of the current worker's servers that are not in maintenance. */
    private Map<String, Integer> workerServers() throws IOException {
        Map<String, Integer> out = new TreeMap<>();
        haproxy.servingServers("").stream().filter(s -> !s.backend().equals("lbsync_no_route"))
                .forEach(s -> out.put(s.endpoint(), s.weight()));
        return out;
    }

    /** Current sessions on the server of this backend's port, from "show stat". */
    private int sessions(String backend) throws IOException {
        String port = ":" + backends.port(backend);
        String[] lines = haproxy.cli("@1 show stat -1 4 -1").split("\n");
        List<String> header = List.of(lines[0].substring(2).split(","));
        int addr = header.indexOf("addr");
        int scur = header.indexOf("scur");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length > Math.max(addr, scur) && f[addr].endsWith(port)) {
                return Integer.parseInt(f[scur]);
            }
        }
        return -1;
    }

    private Map<String, Integer> count(int requests, String path) throws IOException {
        return RawHttp.tally(frontendPort, host, path, requests);
    }

    private RawHttp.Reply request(String path) {
        try {
            return RawHttp.request(frontendPort, host, path);
        } catch (IOException e) {
            return new RawHttp.Reply(-1, e.toString());
        }
    }
}
