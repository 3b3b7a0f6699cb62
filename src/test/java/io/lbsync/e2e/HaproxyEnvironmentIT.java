package io.lbsync.e2e;

import static io.lbsync.testsupport.RawHttp.request;
import static io.lbsync.testsupport.RawHttp.servedBy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.Closer;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.HaproxyMasterWorker;
import io.lbsync.testsupport.HttpTestBackends;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Environment isolation end to end: Consul (simulator, or a real one with CONSUL_HTTP_ADDR) → lbsync (the shipped
 * routes and the bundled template, real {@code haproxy -c}) → a real HAProxy 2.6 in master-worker mode with one
 * frontend per environment, on its own loopback port ({@code lbsync.haproxy.param.bind.<env>}).
 * <p>
 * One service name and one Host name exist in prod, in staging and without an environment. Requests to each
 * frontend reach only that environment's instances, the whole time (a prober checks every frontend while the
 * registrations change), and an instance re-registered with another {@code env} tag moves with its traffic.
 */
class HaproxyEnvironmentIT {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private HttpTestBackends backends;
    private HaproxyMasterWorker haproxy;
    private LbsyncApp app;
    private Path output;
    private int httpPort;
    private int prodPort;
    private int stagingPort;
    private final String service = ConsulTestCluster.unique("envs");
    private final String host = service + ".test";

    @BeforeEach
    void setUp() throws Exception {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        backends = HttpTestBackends.start("shared-1", "prod-1", "prod-2", "staging-1");
        output = dir.resolve("haproxy.cfg");
        httpPort = Ports.free();
        prodPort = Ports.free();
        stagingPort = Ports.free();
    }

    @AfterEach
    void tearDown() throws Exception {
        Closer.closeAll(app, haproxy, backends, cluster);
    }

    /** HAProxy on a minimal config first (lbsync reloads it through the master socket), then lbsync. */
    private void startHaproxyThenLbsync() throws Exception {
        Files.writeString(output, HaproxyMasterWorker.initialConfig(httpPort));
        Path masterSocket = dir.resolve("master.sock");
        haproxy = HaproxyMasterWorker.start(output, masterSocket);

        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.master-socket", masterSocket.toString());
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + httpPort);
        p.put("lbsync.haproxy.param.bind.prod", "127.0.0.1:" + prodPort);
        p.put("lbsync.haproxy.param.bind.staging", "127.0.0.1:" + stagingPort);
        app = LbsyncApp.start(p);
        await("lbsync's first install").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> request(httpPort, host).body().equals("no service for this host"));
    }

    /** Registers a backend as an instance of the service with host tag; env via tag or meta (null = none). */
    private void register(String backend, String envTag, String envMeta, String checkStatus) {
        String tags = "\"lbsync.host=" + host + "\"" + (envTag == null ? "" : ",\"env=" + envTag + "\"");
        String meta = envMeta == null ? "" : ",\"Meta\":{\"env\":\"" + envMeta + "\"}";
        cluster.http().registerService(node, "{\"ID\":\"" + id(backend) + "\",\"Name\":\"" + service + "\","
                + "\"Address\":\"127.0.0.1\",\"Port\":" + backends.port(backend) + ",\"Tags\":[" + tags + "]" + meta + ","
                + "\"Check\":{\"CheckID\":\"check-" + backend + "\",\"TTL\":\"10m\",\"Status\":\"" + checkStatus + "\"}}")
                .requireOk();
    }

    private String id(String backend) {
        return service + "-" + backend;
    }

    private void awaitServed(int port, String... expected) {
        Set<String> want = Set.of(expected);
        await("port " + port + " served by " + want).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> servedBy(port, host, 8), want::equals);
    }

    /** Settled: 24 more requests on each frontend reach exactly these backends. */
    private void assertServed(Set<String> http, Set<String> prod, Set<String> staging) throws IOException {
        for (int i = 0; i < 3; i++) {
            assertThat(servedBy(httpPort, host, 8)).as("http frontend").isEqualTo(http);
            assertThat(servedBy(prodPort, host, 8)).as("prod frontend").isEqualTo(prod);
            assertThat(servedBy(stagingPort, host, 8)).as("staging frontend").isEqualTo(staging);
        }
    }

    @Test
    void eachEnvironmentsFrontendReachesOnlyThatEnvironmentsInstances() throws Exception {
        startHaproxyThenLbsync();
        Prober prober = new Prober(host, Map.of(
                httpPort, Set.of("shared-1", "404:no service for this host"),
                prodPort, Set.of("prod-1", "prod-2", "404:no service for this host"),
                stagingPort, Set.of("staging-1", "prod-2", "404:no service for this host")));
        prober.start();
        try {
            // one service, one host name, three places: no environment, prod (by tag and by meta), staging
            register("shared-1", null, null, "passing");
            register("prod-1", "prod", null, "passing");
            register("prod-2", null, "prod", "passing");
            register("staging-1", "staging", null, "passing");
            awaitServed(httpPort, "shared-1");
            awaitServed(prodPort, "prod-1", "prod-2");
            awaitServed(stagingPort, "staging-1");
            assertServed(Set.of("shared-1"), Set.of("prod-1", "prod-2"), Set.of("staging-1"));
            assertThat(request(prodPort, "other.test").label()).isEqualTo("404:no service for this host");

            // prod-2 re-registered as staging: it leaves prod and joins staging
            register("prod-2", "staging", null, "passing");
            awaitServed(prodPort, "prod-1");
            awaitServed(stagingPort, "staging-1", "prod-2");
            assertServed(Set.of("shared-1"), Set.of("prod-1"), Set.of("staging-1", "prod-2"));

            // staging-1 fails its check: staging keeps prod-2 only; prod and the shared frontend do not change
            cluster.http().failCheck(node, "check-staging-1", "down").requireOk();
            awaitServed(stagingPort, "prod-2");
            assertServed(Set.of("shared-1"), Set.of("prod-1"), Set.of("prod-2"));

            // the shared instance leaves: the http frontend has no route for the host; prod never takes over
            cluster.http().deregisterService(node, id("shared-1")).requireOk();
            await().atMost(CHANGE_TIMEOUT).until(() -> request(httpPort, host).label().equals("404:no service for this host"));
            assertServed(Set.of("404:no service for this host"), Set.of("prod-1"), Set.of("prod-2"));
        } finally {
            prober.stop();
        }
        System.out.printf("HaproxyEnvironmentIT: prober made %d requests, %d failed to connect%n", prober.requests.get(), prober.errors.get());
        assertThat(prober.violations).as("answers from another environment").isEmpty();
        assertThat(prober.requests.get()).isGreaterThan(100);

        // what HAProxy runs: valid, every reload loaded
        assertThat(HaproxyMasterWorker.check(output)).isZero();
        assertThat(haproxy.counters().failed()).isZero();
        assertThat(app.target("haproxy").status().result()).isIn(TargetStatus.Result.INSTALLED, TargetStatus.Result.UNCHANGED);
        String live = Files.readString(output);
        assertThat(live).contains("frontend http_prod", "bind 127.0.0.1:" + prodPort, "frontend http_staging",
                "bind 127.0.0.1:" + stagingPort);
    }

    /** Sends requests to every frontend in a loop and records any answer outside the allowed set. */
    private static final class Prober {
        private final Map<Integer, Set<String>> allowed;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger requests = new AtomicInteger();
        private final AtomicInteger errors = new AtomicInteger();
        private final List<String> violations = new CopyOnWriteArrayList<>();
        private final String host;
        private Thread thread;

        Prober(String host, Map<Integer, Set<String>> allowed) {
            this.host = host;
            this.allowed = allowed;
        }

        void start() {
            thread = new Thread(this::run, "environment-prober");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running.get()) {
                allowed.forEach((port, ok) -> {
                    try {
                        String label = request(port, host).label();
                        requests.incrementAndGet();
                        if (!ok.contains(label)) {
                            violations.add("port " + port + " answered " + label);
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet(); // a frontend not bound yet, or a reload in progress
                    }
                });
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5000);
        }
    }
}
