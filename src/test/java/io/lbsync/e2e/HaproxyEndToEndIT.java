package io.lbsync.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.lbsync.install.MasterCli;
import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync end to end: Consul (simulator, or a real one with CONSUL_HTTP_ADDR) → lbsync (the shipped routes, the
 * bundled template, real {@code haproxy -c}) → a real HAProxy 2.6 in master-worker mode, reloaded through its
 * master CLI socket → real HTTP requests routed by Host header to real backends on loopback.
 * <p>
 * HAProxy is started by the test on a small hand-written config before lbsync, because with
 * {@code lbsync.haproxy.master-socket} set lbsync's very first install must be able to reload (without a running
 * master the reload fails and a first-ever file is removed again).
 */
class HaproxyEndToEndIT {
    private static final String HAPROXY = "/usr/sbin/haproxy";
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);
    /** The master line of "show proc" in HAProxy 2.6: "<pid> master <reloads> [failed: <n>] ...". */
    private static final Pattern MASTER_LINE = Pattern.compile("(?m)^(\\d+)\\s+master\\s+(\\d+)\\s+\\[failed:\\s*(\\d+)\\]");
    private static final Pattern WORKER_LINE = Pattern.compile("(?m)^(\\d+)\\s+worker\\s+(\\d+)");

    private static final List<HttpServer> BACKENDS = new ArrayList<>();
    private static final List<Integer> BACKEND_PORTS = new ArrayList<>();

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private Path output;
    private Path masterSocket;
    private Path haproxyLog;
    private int frontendPort;
    private Process haproxy;
    private final List<ProcessHandle> haproxyProcesses = new ArrayList<>();
    private LbsyncApp app;
    private final String service = ConsulTestCluster.unique("e2e");
    private final String host = service + ".test";
    private final List<String> requestErrors = new ArrayList<>();

    // ---- fixtures ----

    @BeforeAll
    static void startBackends() throws IOException {
        for (int i = 1; i <= 3; i++) {
            byte[] body = ("backend-" + i).getBytes(StandardCharsets.US_ASCII);
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "backend-http");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            BACKENDS.add(server);
            BACKEND_PORTS.add(server.getAddress().getPort());
        }
    }

    @AfterAll
    static void stopBackends() {
        BACKENDS.forEach(s -> s.stop(0));
        BACKENDS.clear();
        BACKEND_PORTS.clear();
    }

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        output = dir.resolve("haproxy.cfg");
        masterSocket = dir.resolve("master.sock");
        haproxyLog = dir.resolve("haproxy.log");
        frontendPort = freePort();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            try {
                stopHaproxy();
            } finally {
                cluster.close();
            }
        }
    }

    private Map<String, String> lbsyncProperties() {
        Map<String, String> p = new HashMap<>();
        p.put("lbsync.consul.url", cluster.url());
        p.put("lbsync.consul.wait", "10s");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + frontendPort);
        p.put("lbsync.haproxy.master-socket", masterSocket.toString());
        p.put("lbsync.wait.min", "50ms");
        p.put("lbsync.wait.max", "500ms");
        String token = System.getenv("CONSUL_HTTP_TOKEN");
        if (token != null) {
            p.put("lbsync.consul.token", token);
        }
        return p;
    }

    /** HAProxy master-worker on a minimal valid config, then lbsync; returns once lbsync's own config is live. */
    private void startHaproxyThenLbsync() throws Exception {
        Files.writeString(output, """
                # initial config written by the test, before lbsync ran
                global
                    maxconn 256
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend http
                    bind 127.0.0.1:%d
                    default_backend initial
                backend initial
                    http-request return status 404 content-type text/plain string "initial config"
                """.formatted(frontendPort));
        startHaproxy();
        assertThat(request(host).body()).isEqualTo("initial config");
        int reloadsBefore = masterCounters().reloads();

        app = LbsyncApp.start(lbsyncProperties());
        await("lbsync's first install, reloaded into HAProxy").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> live().startsWith("# Generated by lbsync") && status() != null
                        && status().result() == TargetStatus.Result.INSTALLED);
        assertThat(masterCounters().reloads()).isGreaterThan(reloadsBefore);
        // lbsync's config is the one serving now: unknown hosts get its lbsync_no_route answer
        await().atMost(CHANGE_TIMEOUT).until(() -> request(host).body().equals("no service for this host"));
    }

    private void startHaproxy() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(HAPROXY, "-W", "-S", masterSocket.toString(), "-f", output.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(haproxyLog.toFile());
        haproxy = pb.start();
        haproxyProcesses.add(haproxy.toHandle());
        Runtime.getRuntime().addShutdownHook(new Thread(haproxy::destroyForcibly)); // in case the JVM is killed mid-test
        await("HAProxy master socket").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> {
                    assertThat(haproxy.isAlive()).as("haproxy exited: %s", haproxyLogText()).isTrue();
                    return Files.exists(masterSocket) && !workers().isEmpty();
                });
    }

    /** SIGTERM to the master (it stops its workers), then make sure no process of ours is left. */
    private void stopHaproxy() throws Exception {
        if (haproxy == null) {
            return;
        }
        haproxy.descendants().forEach(haproxyProcesses::add);
        haproxy.destroy();
        if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
            haproxy.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle p : haproxyProcesses) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (haproxyProcesses.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        System.out.println("---- haproxy output ----\n" + haproxyLogText() + "------------------------");
        assertThat(haproxyProcesses.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList())
                .as("haproxy processes left running").isEmpty();
        haproxy = null;
    }

    // ---- the tests ----

    @Test
    void trafficFollowsRegistrationHealthAndDeregistration() throws Exception {
        startHaproxyThenLbsync();
        Counters start = masterCounters();
        long firstWorker = workers().get(0);

        // registered with a passing check → routed
        register("i1", 1, "passing");
        awaitServedBy("backend-1");

        // a second passing instance → both get traffic (round robin)
        register("i2", 2, "passing");
        awaitServedBy("backend-1", "backend-2");

        // instance 2's check goes critical → it leaves HAProxy although its backend still answers
        cluster.http().failCheck(node, "check-i2", "down").requireOk();
        awaitServedBy("backend-1");
        assertThat(live()).doesNotContain("127.0.0.1:" + BACKEND_PORTS.get(1));

        // passing again → back
        cluster.http().passCheck(node, "check-i2", "up").requireOk();
        awaitServedBy("backend-1", "backend-2");

        // instance 1 deregistered → gone
        cluster.http().deregisterService(node, id("i1")).requireOk();
        awaitServedBy("backend-2");
        assertThat(live()).doesNotContain("127.0.0.1:" + BACKEND_PORTS.get(0));

        // registered but critical → not routed; then passing → routed
        register("i3", 3, "critical");
        Thread.sleep(1000); // several quiescence periods (wait.max = 500ms)
        assertServedBy("backend-2");
        assertThat(live()).doesNotContain("127.0.0.1:" + BACKEND_PORTS.get(2));
        cluster.http().passCheck(node, "check-i3", "up").requireOk();
        awaitServedBy("backend-2", "backend-3");

        // no instance left → the service and its Host rule disappear: HAProxy's no-route answer
        cluster.http().deregisterService(node, id("i2")).requireOk();
        cluster.http().deregisterService(node, id("i3")).requireOk();
        await().atMost(CHANGE_TIMEOUT).until(() -> !live().contains(service));
        awaitAnswer(404, "no service for this host");

        // HAProxy really reloaded, by its master, with nothing failed; a new worker serves
        Counters end = masterCounters();
        assertThat(end.masterPid()).isEqualTo(haproxy.pid()).isEqualTo(start.masterPid());
        assertThat(end.reloads() - start.reloads()).as("reloads during the test").isGreaterThanOrEqualTo(7);
        assertThat(end.failed()).isZero();
        assertThat(workers()).doesNotContain(firstWorker);
        assertThat(haproxy.isAlive()).isTrue();
        // and the file it runs is valid, installed atomically (no staged file left), with a backup
        assertThat(run(HAPROXY, "-c", "-f", output.toString())).isZero();
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).doesNotExist();
        assertThat(dir.resolve("haproxy.cfg.bak")).exists();
        assertThat(status().result()).isIn(TargetStatus.Result.INSTALLED, TargetStatus.Result.UNCHANGED);
        System.out.printf("HaproxyEndToEndIT: %d reloads, %d request errors %s%n", end.reloads() - start.reloads(),
                requestErrors.size(), requestErrors);
        assertThat(requestErrors).as("requests lost across reloads (new connections)").isEmpty();
    }

    @Test
    void aConsulOutageLeavesTheLiveConfigAndHaproxyAlone() throws Exception {
        cluster.assumeSimulator();
        startHaproxyThenLbsync();
        register("i1", 1, "passing");
        awaitServedBy("backend-1");
        Thread.sleep(700); // let any trailing render settle (wait.max = 500ms)

        byte[] bytes = Files.readAllBytes(output);
        FileTime mtime = Files.getLastModifiedTime(output);
        Counters before = masterCounters();

        cluster.stopConsul();
        Instant until = Instant.now().plusSeconds(3);
        int requests = 0;
        while (Instant.now().isBefore(until)) {
            assertThat(Files.readAllBytes(output)).as("live file while Consul is down").isEqualTo(bytes);
            assertThat(Files.getLastModifiedTime(output)).isEqualTo(mtime);
            Reply r = request(host);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("backend-1");
            requests++;
            Thread.sleep(100);
        }
        assertThat(masterCounters()).isEqualTo(before);
        assertThat(requests).isGreaterThan(10);

        cluster.startConsul();
        register("i2", 2, "passing");
        awaitServedBy("backend-1", "backend-2");
        assertThat(Files.readAllBytes(output)).isNotEqualTo(bytes);
        Counters after = masterCounters();
        assertThat(after.reloads()).isGreaterThan(before.reloads());
        assertThat(after.failed()).isZero();
        assertThat(requestErrors).isEmpty();
    }

    /** No HAProxy here: the reload command always fails, so every install must be undone. */
    @Test
    void aFailingReloadPutsThePreviousFileBack() throws Exception {
        String previous = """
                # the operator's last good config (test)
                global
                    maxconn 64
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend http
                    bind 127.0.0.1:%d
                    http-request return status 503
                """.formatted(frontendPort);
        Files.writeString(output, previous);
        FileTime mtime = Files.getLastModifiedTime(output);
        byte[] previousBytes = Files.readAllBytes(output);
        // a reload "command" that records what the live file held when it ran, then fails
        Path seen = dir.resolve("seen-at-reload.txt");
        Path reloadScript = dir.resolve("failing-reload.sh");
        Files.writeString(reloadScript, "#!/bin/sh\ncat \"$1\" >> \"$2\"\necho '----' >> \"$2\"\nexit 1\n");
        reloadScript.toFile().setExecutable(true);

        Map<String, String> p = lbsyncProperties();
        p.put("lbsync.haproxy.master-socket", "");
        p.put("lbsync.haproxy.reload-command", reloadScript + " " + output + " " + seen);
        app = LbsyncApp.start(p);
        // the first render differs from the operator's file: installed, reload fails, put back
        await().atMost(CHANGE_TIMEOUT).until(() -> status() != null && status().failed());
        TargetStatus first = status();
        assertThat(first.detail()).contains("reload failed", "previous config put back");
        assertThat(Files.readAllBytes(output)).isEqualTo(previousBytes);

        // a Consul change: rendered, validated, swapped in, reload fails → the previous file again
        register("i1", 1, "passing");
        await().atMost(CHANGE_TIMEOUT).until(() -> Files.exists(seen) && Files.readString(seen).contains(service));
        await().atMost(CHANGE_TIMEOUT).until(() -> status().failed() && status().at().isAfter(first.at()));
        assertThat(status().detail()).contains("reload failed", "previous config put back");
        // lbsync retries the failed install every few seconds: look between two attempts
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(dir.resolve(".haproxy.cfg.lbsync-staged"))
                && java.util.Arrays.equals(Files.readAllBytes(output), previousBytes));
        assertThat(Files.readAllBytes(output)).as("live file after the failed reload").isEqualTo(previousBytes);
        // put back by a copy that keeps the attributes: same mtime (Java copies it at microsecond precision)
        assertThat(Files.getLastModifiedTime(output).to(TimeUnit.MICROSECONDS)).isEqualTo(mtime.to(TimeUnit.MICROSECONDS));
        assertThat(dir.resolve("haproxy.cfg.bak")).exists();
        assertThat(Files.readAllBytes(dir.resolve("haproxy.cfg.bak"))).isEqualTo(previousBytes);
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).doesNotExist();
        // the reload command ran with the new config live, then again after the rollback with the old one
        String seenText = Files.readString(seen);
        assertThat(seenText).contains("# Generated by lbsync", "# the operator's last good config (test)");
    }

    // ---- Consul ----

    private String id(String instance) {
        return service + "-" + instance;
    }

    private void register(String instance, int backend, String checkStatus) {
        String id = id(instance);
        cluster.http().registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + service + "\",\"Address\":\"127.0.0.1\","
                + "\"Port\":" + BACKEND_PORTS.get(backend - 1) + ",\"Tags\":[\"lbsync.host=" + host + "\"],"
                + "\"Check\":{\"CheckID\":\"check-" + instance + "\",\"TTL\":\"10m\",\"Status\":\"" + checkStatus + "\"}}")
                .requireOk();
    }

    // ---- lbsync ----

    private TargetStatus status() {
        return app.target("haproxy").status();
    }

    private String live() throws IOException {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    // ---- HTTP through HAProxy ----

    private record Reply(int status, String body) {
    }

    /** One request on a new connection (Connection: close), with the given Host header. */
    private Reply request(String hostHeader) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", frontendPort), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: lbsync-e2e\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
                throw new IOException("not an HTTP response: '" + text + "'");
            }
            int sep = text.indexOf("\r\n\r\n");
            return new Reply(Integer.parseInt(text.substring(9, 12)), sep < 0 ? "" : text.substring(sep + 4));
        }
    }

    /** Which backends answered 8 requests; anything but a 200 shows as "status:body". */
    private Set<String> servedBy() throws IOException {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < 8; i++) {
            Reply r;
            try {
                r = request(host);
            } catch (IOException e) {
                requestErrors.add(e.toString());
                throw e;
            }
            seen.add(r.status() == 200 ? r.body() : r.status() + ":" + r.body());
        }
        return seen;
    }

    private void awaitServedBy(String... backends) throws IOException {
        Set<String> expected = Set.of(backends);
        await("served by " + expected).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(this::servedBy, expected::equals);
        assertServedBy(backends);
    }

    /** Settled: 24 more requests all reach exactly these backends. */
    private void assertServedBy(String... backends) throws IOException {
        for (int i = 0; i < 3; i++) {
            assertThat(servedBy()).containsExactlyInAnyOrder(backends);
        }
    }

    private void awaitAnswer(int status, String body) {
        await().atMost(CHANGE_TIMEOUT).until(() -> request(host), r -> r.status() == status && r.body().equals(body));
    }

    // ---- HAProxy master CLI ----

    private record Counters(long masterPid, int reloads, int failed) {
    }

    private Counters masterCounters() throws IOException {
        String out = masterCli("show proc");
        Matcher m = MASTER_LINE.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected 'show proc' answer: " + out);
        }
        return new Counters(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** PIDs of the current workers (newest first, as "show proc" lists them). */
    private List<Long> workers() throws IOException {
        String out = masterCli("show proc");
        String current = out.contains("# old workers") ? out.substring(0, out.indexOf("# old workers")) : out;
        List<Long> pids = new ArrayList<>();
        Matcher m = WORKER_LINE.matcher(current);
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }

    private String masterCli(String command) throws IOException {
        return new MasterCli(masterSocket).send(command);
    }

    // ---- helpers ----

    private String haproxyLogText() {
        try {
            return Files.exists(haproxyLog) ? Files.readString(haproxyLog) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                System.out.println(String.join(" ", command) + " → " + p.exitValue() + ":\n" + text);
            }
            return p.exitValue();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
