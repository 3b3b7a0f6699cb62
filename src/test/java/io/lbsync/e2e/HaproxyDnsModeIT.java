package io.lbsync.e2e;

import static io.lbsync.testsupport.HttpTestBackends.freePort;
import static io.lbsync.testsupport.HttpTestBackends.request;
import static io.lbsync.testsupport.HttpTestBackends.servedBy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.HaproxyMasterWorker;
import io.lbsync.testsupport.HttpTestBackends;
import io.lbsync.testsupport.LbsyncApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS mode end to end: lbsync renders the bundled {@code templates/haproxy-dns.cfg.ftl} (validated with real
 * {@code haproxy -c}), a real HAProxy 2.6 runs it in master-worker mode and resolves each service's instances
 * itself, through Consul DNS SRV records, with short resolver timers ({@code timeout resolve 1s}, {@code hold valid 1s},
 * {@code hold nx 1s}).
 * <p>
 * The point of the mode is checked directly: once a service exists, instances joining, failing, recovering and
 * leaving change where HAProxy sends traffic while the config file and HAProxy's reload counter stay the same.
 * Two documented limits are shown too: a Consul DNS outage keeps the last answer (hold_error, default 1h), and
 * with an accepted_payload_size of 512 (HAProxy's own default) Consul gives HAProxy at most 3 instances at a time.
 * <p>
 * Consul DNS: on the simulator, its DNS interface on a random loopback UDP port. On a real Consul
 * ({@code CONSUL_HTTP_ADDR}) set {@code LBSYNC_TEST_CONSUL_DNS=host:port} to the DNS interface of that agent
 * (e.g. {@code 10.0.0.1:8600}); without it these tests are skipped. The real agent must keep the default
 * {@code dns_config} (TTL 0, {@code only_passing = false}, {@code udp_answer_limit = 3}) and reach the loopback
 * backends the test registers (127.0.0.1), like the other end-to-end tests. The outage test is simulator-only.
 */
class HaproxyDnsModeIT {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);
    private static final String NO_ROUTE = "404:no service for this host";

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private HttpTestBackends backends;
    private HaproxyMasterWorker haproxy;
    private LbsyncApp app;
    private Path output;
    private int httpPort;
    private final String service = ConsulTestCluster.unique("dns");
    private final String host = service + ".test";

    @BeforeEach
    void setUp() throws Exception {
        cluster = ConsulTestCluster.startWithDns("node-1");
        node = cluster.nodes().get(0);
        backends = HttpTestBackends.start("dns-1", "dns-2", "dns-3", "dns-4", "dns-5");
        output = dir.resolve("haproxy.cfg");
        httpPort = freePort();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            try {
                if (haproxy != null) {
                    haproxy.close();
                }
            } finally {
                backends.close();
                cluster.close();
            }
        }
    }

    /** HAProxy on a minimal config first (lbsync reloads it through the master socket), then lbsync in DNS mode. */
    private void startHaproxyThenLbsync(Map<String, String> params) throws Exception {
        Files.writeString(output, """
                global
                    maxconn 256
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend http
                    bind 127.0.0.1:%d
                    http-request return status 404 content-type text/plain string "initial config"
                """.formatted(httpPort));
        Path masterSocket = dir.resolve("master.sock");
        haproxy = HaproxyMasterWorker.start(output, masterSocket);

        Map<String, String> p = new HashMap<>();
        p.put("lbsync.consul.url", cluster.url());
        p.put("lbsync.consul.wait", "10s");
        p.put("lbsync.haproxy.template", "classpath:templates/haproxy-dns.cfg.ftl");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.master-socket", masterSocket.toString());
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + httpPort);
        p.put("lbsync.haproxy.param.dns", cluster.dnsAddress());
        p.put("lbsync.haproxy.param.slots", "8");
        p.put("lbsync.haproxy.param.hold_valid", "1s");
        p.put("lbsync.haproxy.param.hold_nx", "1s");
        params.forEach((k, v) -> p.put("lbsync.haproxy.param." + k, v));
        p.put("lbsync.wait.min", "50ms");
        p.put("lbsync.wait.max", "500ms");
        String token = System.getenv("CONSUL_HTTP_TOKEN");
        if (token != null) {
            p.put("lbsync.consul.token", token);
        }
        app = LbsyncApp.start(p);
        await("lbsync's first install").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> request(httpPort, host).label().equals(NO_ROUTE));
        assertThat(Files.readString(output)).startsWith("# Generated by lbsync from Consul (DNS mode)");
    }

    private void register(String backend, String checkStatus) {
        cluster.http().registerService(node, "{\"ID\":\"" + id(backend) + "\",\"Name\":\"" + service + "\","
                + "\"Address\":\"127.0.0.1\",\"Port\":" + backends.port(backend) + ",\"Tags\":[\"lbsync.host=" + host + "\"],"
                + "\"Check\":{\"CheckID\":\"check-" + backend + "\",\"TTL\":\"10m\",\"Status\":\"" + checkStatus + "\"}}")
                .requireOk();
    }

    private String id(String backend) {
        return service + "-" + backend;
    }

    /** Waits until 16 requests reach exactly these backends, then checks 48 more do too. */
    private void awaitServed(String... expected) throws IOException {
        Set<String> want = Set.of(expected);
        await("served by " + want).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> servedBy(httpPort, host, 16), want::equals);
        for (int i = 0; i < 3; i++) {
            assertThat(servedBy(httpPort, host, 16)).isEqualTo(want);
        }
    }

    /** Servers of the service's backend that have an address and are up, from HAProxy's own state. */
    private int runningServers() {
        String state = await().atMost(CHANGE_TIMEOUT).ignoreExceptions() // the master is briefly away while it reloads
                .until(() -> haproxy.cli("@1 show servers state " + service), s -> s.contains(" " + service + " "));
        int running = 0;
        for (String line : state.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // be_id be_name srv_id srv_name srv_addr srv_op_state ...; op_state 2 = running
            if (f.length > 5 && f[1].equals(service) && f[5].equals("2")) {
                running++;
            }
        }
        return running;
    }

    @Test
    void haproxyFollowsInstancesThroughConsulDnsWithoutAReload() throws Exception {
        startHaproxyThenLbsync(Map.of());
        assertThat(HaproxyMasterWorker.check(output)).as("haproxy -c on lbsync's DNS-mode config").isZero();

        // a new service is a config change: lbsync adds its backend and Host rule, HAProxy reloads once
        register("dns-1", "passing");
        awaitServed("dns-1");
        String config = Files.readString(output);
        assertThat(config).contains("server-template s 8 _" + service + "._tcp.service.consul resolvers consul",
                "nameserver consul " + cluster.dnsAddress(), "accepted_payload_size 8192", "hold valid 1s")
                .doesNotContain(":" + backends.port("dns-1"));
        assertThat(HaproxyMasterWorker.check(output)).isZero();
        HaproxyMasterWorker.Counters before = haproxy.counters();
        Instant started = Instant.now();

        // from here on only instances change: HAProxy learns it from Consul DNS, nothing is rewritten or reloaded
        for (String b : new String[] {"dns-2", "dns-3", "dns-4", "dns-5"}) {
            register(b, "passing");
        }
        awaitServed("dns-1", "dns-2", "dns-3", "dns-4", "dns-5"); // more than 3: the 8192-byte payload size at work
        cluster.http().failCheck(node, "check-dns-2", "down").requireOk();
        awaitServed("dns-1", "dns-3", "dns-4", "dns-5");
        cluster.http().passCheck(node, "check-dns-2", "up").requireOk();
        awaitServed("dns-1", "dns-2", "dns-3", "dns-4", "dns-5");
        cluster.http().deregisterService(node, id("dns-1")).requireOk();
        awaitServed("dns-2", "dns-3", "dns-4", "dns-5");
        System.out.printf("HaproxyDnsModeIT: instance changes followed through DNS for %d ms%n",
                Duration.between(started, Instant.now()).toMillis());

        assertThat(Files.readString(output)).as("the live config").isEqualTo(config);
        assertThat(haproxy.counters()).as("HAProxy's master: no reload for instance changes").isEqualTo(before);
        assertThat(app.target("haproxy").status().result()).isEqualTo(TargetStatus.Result.UNCHANGED);

        // no passing instance left: host names come from passing instances, so the Host rule goes (a reload)
        for (String b : new String[] {"dns-2", "dns-3", "dns-4", "dns-5"}) {
            cluster.http().failCheck(node, "check-" + b, "down").requireOk();
        }
        await().atMost(CHANGE_TIMEOUT).until(() -> request(httpPort, host).label().equals(NO_ROUTE));
        cluster.http().passCheck(node, "check-dns-3", "up").requireOk();
        awaitServed("dns-3");
        assertThat(Files.readString(output)).isEqualTo(config);

        // the service leaves Consul: lbsync removes its backend (one reload)
        for (String b : new String[] {"dns-2", "dns-3", "dns-4", "dns-5"}) {
            cluster.http().deregisterService(node, id(b)).requireOk();
        }
        await().atMost(CHANGE_TIMEOUT).until(() -> request(httpPort, host).label().equals(NO_ROUTE));
        assertThat(Files.readString(output)).doesNotContain(service);
        assertThat(haproxy.counters().reloads()).isGreaterThan(before.reloads());
        assertThat(haproxy.counters().failed()).isZero();
    }

    @Test
    void aConsulDnsOutageKeepsTheLastAnswer() throws Exception {
        cluster.assumeSimulator();
        startHaproxyThenLbsync(Map.of());
        register("dns-1", "passing");
        register("dns-2", "passing");
        awaitServed("dns-1", "dns-2");

        cluster.stopConsul(); // DNS and HTTP API both gone
        Instant until = Instant.now().plusSeconds(5); // > resolve_retries 3 × timeout retry 1s: HAProxy sees a timeout
        while (Instant.now().isBefore(until)) {
            assertThat(servedBy(httpPort, host, 16)).as("while Consul is down").isEqualTo(Set.of("dns-1", "dns-2"));
            Thread.sleep(200);
        }
        cluster.startConsul();
        cluster.http().deregisterService(node, id("dns-2")).requireOk();
        awaitServed("dns-1");
    }

    @Test
    void withHaproxysDefaultPayloadSizeConsulGivesAtMostThreeInstances() throws Exception {
        startHaproxyThenLbsync(Map.of("payload_size", "512"));
        for (String b : new String[] {"dns-1", "dns-2", "dns-3", "dns-4", "dns-5"}) {
            register(b, "passing");
        }
        await().atMost(CHANGE_TIMEOUT).until(this::runningServers, n -> n == 3);
        for (int i = 0; i < 15; i++) { // 3 s: three resolutions, each a random 3 of the 5
            assertThat(runningServers()).isLessThanOrEqualTo(3);
            Thread.sleep(200);
        }
    }
}
