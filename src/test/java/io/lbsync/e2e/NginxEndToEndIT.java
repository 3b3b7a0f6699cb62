package io.lbsync.e2e;

import static io.lbsync.testsupport.RawHttp.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.install.TargetStatus;
import io.lbsync.render.SiteParser;
import io.lbsync.testsupport.Closer;
import io.lbsync.testsupport.Commands;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.HttpTestBackends;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Ports;
import io.lbsync.testsupport.RawHttp.Reply;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync end to end with nginx: Consul (simulator, or a real one with CONSUL_HTTP_ADDR) catalog + K/V sites →
 * lbsync (the shipped routes, the bundled nginx template, real {@code nginx -t}) → a real nginx 1.22 master
 * process (child of the test, {@code daemon off}), reloaded with {@code nginx -s reload} → real HTTP requests to
 * each site's own loopback port, proxied to real backends on loopback.
 * <p>
 * nginx is started by the test on a small hand-written config before lbsync (it needs a file to start on, and
 * its pid file is what {@code nginx -s reload} signals), so lbsync's very first install already reloads a running
 * nginx. The error log is written at level {@code notice}, so every reload the master accepted shows up as a
 * "reconfiguring" line, and any reload it refused (bind failure, ...) as an {@code [emerg]} line.
 */
class NginxEndToEndIT {
    private static final String NGINX = "/usr/sbin/nginx";
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RECONFIGURING = Pattern.compile("signal 1 \\(SIGHUP\\) received from \\d+, reconfiguring");

    private static HttpTestBackends backends;

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private Path output;
    private Path pidFile;
    private Path errorLog;
    private Path nginxOut;
    private Process nginx;
    private final List<ProcessHandle> nginxProcesses = new ArrayList<>();
    private LbsyncApp app;
    private final String prefix = ConsulTestCluster.unique("e2e-nginx") + "/";
    private final String web = ConsulTestCluster.unique("web");
    private final String api = ConsulTestCluster.unique("api");
    /** Ports whose site has been served: a failed request to one of these counts as a request lost to a reload. */
    private final Set<Integer> servingPorts = ConcurrentHashMap.newKeySet();
    private final List<String> requestErrors = new CopyOnWriteArrayList<>();
    private String reloadTimeout = "30s";

    // ---- fixtures ----

    @BeforeAll
    static void startBackends() throws IOException {
        backends = HttpTestBackends.start("backend-1", "backend-2", "backend-3", "backend-4");
    }

    @AfterAll
    static void stopBackends() {
        backends.close();
    }

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        output = dir.resolve("nginx.conf");
        pidFile = dir.resolve("nginx.pid");
        errorLog = dir.resolve("error.log");
        nginxOut = dir.resolve("nginx-stdout.log");
    }

    @AfterEach
    void tearDown() throws Exception {
        Closer.closeAll(app, this::stopNginx, cluster);
    }

    private Map<String, String> lbsyncProperties() {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.kv.prefix", prefix);
        p.put("lbsync.haproxy.enabled", "false");
        p.put("lbsync.nginx.enabled", "true");
        p.put("lbsync.nginx.output", output.toString());
        p.put("lbsync.nginx.validate-command", NGINX + " -t -q -p '" + dir + "/' -c {file}");
        p.put("lbsync.nginx.reload-command", NGINX + " -p '" + dir + "/' -c '" + output + "' -s reload");
        p.put("lbsync.nginx.param.listen_address", "127.0.0.1");
        p.put("lbsync.nginx.param.pid", pidFile.toString());
        // "notice" so that every reload nginx accepts is logged ("reconfiguring")
        p.put("lbsync.nginx.param.error_log", errorLog + " notice");
        p.put("lbsync.nginx.param.worker_processes", "1");
        p.put("lbsync.nginx.reload-timeout", reloadTimeout);
        return p;
    }

    /** nginx on a minimal hand-written config, then lbsync; returns once lbsync's own config is live in nginx. */
    private void startNginxThenLbsync() throws Exception {
        Files.writeString(output, """
                # initial config written by the test, before lbsync ran
                worker_processes 1;
                pid %s;
                error_log %s notice;
                events {
                    worker_connections 64;
                }
                http {
                    access_log off;
                }
                """.formatted(pidFile, errorLog));
        startNginx();
        assertThat(reloads()).isZero();

        app = LbsyncApp.start(lbsyncProperties());
        await("lbsync's first install, reloaded into nginx").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> live().startsWith("# Generated by lbsync") && status() != null
                        && status().result() == TargetStatus.Result.INSTALLED && reloads() >= 1);
        // no site yet: lbsync's first render has no server block at all, and nginx accepted it
        assertThat(live()).doesNotContain("server {");
        assertThat(nginx.isAlive()).isTrue();
    }

    private void startNginx() throws Exception {
        // "-g daemon off;": the template has no daemon directive, so this does not clash; the master stays our child
        ProcessBuilder pb = new ProcessBuilder(NGINX, "-p", dir + "/", "-c", output.toString(), "-g", "daemon off;")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(nginxOut.toFile());
        nginx = pb.start();
        nginxProcesses.add(nginx.toHandle());
        Process started = nginx;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly();
        })); // in case the JVM is killed mid-test
        await("nginx master and its worker").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> {
                    assertThat(nginx.isAlive()).as("nginx exited: %s", text(nginxOut)).isTrue();
                    return Files.exists(pidFile) && Files.readString(pidFile).trim().equals(Long.toString(nginx.pid()))
                            && !workers().isEmpty();
                });
    }

    /** SIGTERM to the master (it stops its workers), then make sure no process of ours is left. */
    private void stopNginx() throws Exception {
        if (nginx == null) {
            return;
        }
        nginx.descendants().forEach(nginxProcesses::add);
        nginx.destroy();
        if (!nginx.waitFor(5, TimeUnit.SECONDS)) {
            nginx.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle p : nginxProcesses) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (nginxProcesses.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        System.out.println("---- nginx output ----\n" + text(nginxOut) + "---- nginx error log ----\n" + text(errorLog)
                + "------------------------");
        assertThat(nginxProcesses.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList())
                .as("nginx processes left running").isEmpty();
        nginx = null;
    }

    // ---- the tests ----

    /** Sites and routes from K/V, instances from the catalog and their health: all reach nginx's traffic. */
    @Test
    void sitesRoutesAndInstancesFollowConsul() throws Exception {
        startNginxThenLbsync();
        long master = nginx.pid();
        List<Long> firstWorkers = workers();
        int reloadsAtStart = reloads();
        int shopPort = freePort();

        register(web, "w1", 1, "passing");
        register(api, "a1", 3, "passing");
        await().atMost(CHANGE_TIMEOUT).until(() -> live().contains("upstream " + web + " ") && live().contains("upstream " + api + " "));
        // no site yet: nothing listens on the shop's port
        assertThatThrownBy(() -> request(shopPort, "shop.test", "/")).isInstanceOf(ConnectException.class);

        // a site added in K/V → nginx listens on its port and proxies to the service
        putSite("shop", shopPort, List.of("shop.test"), Map.of("/", web));
        awaitServedBy(shopPort, "shop.test", "/", "backend-1");
        assertThat(live()).contains("# site shop (Consul K/V)", "listen 127.0.0.1:" + shopPort + ";", "server_name shop.test;");

        // a second passing instance → both get traffic (nginx's round robin)
        register(web, "w2", 2, "passing");
        awaitServedBy(shopPort, "shop.test", "/", "backend-1", "backend-2");

        // its check turns critical → it leaves the upstream although its backend still answers
        cluster.http().failCheck(node, checkId(web, "w2"), "down").requireOk();
        awaitServedBy(shopPort, "shop.test", "/", "backend-1");
        assertThat(live()).doesNotContain("127.0.0.1:" + backends.port("backend-2"));

        // passing again → back
        cluster.http().passCheck(node, checkId(web, "w2"), "up").requireOk();
        awaitServedBy(shopPort, "shop.test", "/", "backend-1", "backend-2");

        // deregistered → gone
        cluster.http().deregisterService(node, id(web, "w1")).requireOk();
        awaitServedBy(shopPort, "shop.test", "/", "backend-2");
        assertThat(live()).doesNotContain("127.0.0.1:" + backends.port("backend-1"));

        // a route changed in K/V moves the traffic: "/" to the api service, the web service under /web/
        putSite("shop", shopPort, List.of("shop.test"), Map.of("/", api, "/web/", web));
        awaitServedBy(shopPort, "shop.test", "/", "backend-3");
        assertServedBy(shopPort, "shop.test", "/web/page", "backend-2");
        assertServedBy(shopPort, "shop.test", "/other", "backend-3");

        // a second site on the same port, told apart by server_name
        putSite("blog", shopPort, List.of("blog.test"), Map.of("/", web));
        awaitServedBy(shopPort, "blog.test", "/", "backend-2");
        assertServedBy(shopPort, "shop.test", "/", "backend-3");

        // a site removed from K/V → its port is closed again
        int tmpPort = freePort();
        putSite("tmp", tmpPort, List.of(), Map.of("/", api));
        awaitServedBy(tmpPort, "anything.test", "/", "backend-3");
        servingPorts.remove(tmpPort);
        cluster.http().kvDelete(prefix + SiteParser.SITES + "tmp", false).requireOk();
        await("site tmp's port closed").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            try {
                request(tmpPort, "anything.test", "/");
                return false;
            } catch (ConnectException e) {
                return true;
            }
        });
        awaitReloadFinished();
        assertServedBy(shopPort, "shop.test", "/", "backend-3");

        // nginx really reloaded, every time by the same master, and refused none of the configs
        int reloadsDuringTest = reloads() - reloadsAtStart;
        assertThat(reloadsDuringTest).as("reloads nginx accepted during the test").isGreaterThanOrEqualTo(10);
        assertNginxHealthy(master);
        assertThat(workers()).doesNotContainAnyElementsOf(firstWorkers);
        System.out.printf("NginxEndToEndIT: %d reloads, %d request errors %s%n", reloadsDuringTest, requestErrors.size(),
                requestErrors);
        assertThat(requestErrors).as("requests lost across reloads on a port that was serving").isEmpty();
    }

    /** A service without passing instances, a route to an unknown service and broken K/V values break nothing else. */
    @Test
    void brokenSitesAndServicesWithoutInstancesDoNotStopTheOthers() throws Exception {
        LogCapture log = LogCapture.on(SiteParser.class);
        try {
            startNginxThenLbsync();
            long master = nginx.pid();
            int port = freePort();
            String unknown = ConsulTestCluster.unique("nosuch");

            register(web, "w1", 1, "passing");
            register(api, "a1", 3, "critical"); // registered, but no passing instance
            putSite("main", port, List.of(), Map.of("/", web, "/api/", api, "/unknown/", unknown));
            awaitServedBy(port, "main.test", "/", "backend-1");

            // no passing instance: the upstream still renders (nginx refuses an empty one) and answers 502
            assertServedBy(port, "main.test", "/api/x", "502");
            assertThat(live()).contains("# service " + api + ": 0 of 1 instances passing", "server 127.0.0.1:9 down;");
            // a path to a service Consul does not know: 503
            assertServedBy(port, "main.test", "/unknown/x", "503");
            assertThat(live()).contains("# no service \"" + unknown + "\" in Consul");

            // values that do not parse, or hold an invalid field, are left out; the rest still renders and installs
            int otherPort = freePort();
            int badPort = freePort();
            cluster.http().kvPut(prefix + SiteParser.SITES + "broken", "{not json");
            cluster.http().kvPut(prefix + SiteParser.SITES + "sneaky",
                    "{\"listen\": \"" + badPort + "; include /etc/passwd\", \"routes\": {\"/\": \"" + web + "\"}}");
            putSite("other", otherPort, List.of(), Map.of("/", web));
            awaitServedBy(otherPort, "other.test", "/", "backend-1");
            assertServedBy(port, "main.test", "/", "backend-1");
            assertThat(live()).contains("# site other (Consul K/V)").doesNotContain("site broken", "site sneaky", "/etc/passwd",
                    ":" + badPort + ";");
            await().atMost(CHANGE_TIMEOUT).until(() -> log.contains("event=kv-rejected", "broken", "not JSON")
                    && log.contains("event=kv-rejected", "sneaky", "listen"));
            System.out.println("NginxEndToEndIT: rejected K/V values logged as: " + log.matching("event=kv-rejected"));

            // with the broken values still in K/V, catalog changes keep reaching nginx
            cluster.http().passCheck(node, checkId(api, "a1"), "up").requireOk();
            awaitServedBy(port, "main.test", "/api/x", "backend-3");
            register(unknown, "u1", 4, "passing");
            awaitServedBy(port, "main.test", "/unknown/x", "backend-4");
            // the service's last instance deregistered: the service is gone, so its path answers 503 again
            cluster.http().deregisterService(node, id(api, "a1")).requireOk();
            awaitServedBy(port, "main.test", "/api/x", "503");
            assertServedBy(port, "main.test", "/", "backend-1");
            assertServedBy(otherPort, "other.test", "/", "backend-1");

            // fixing a broken value brings its site in
            int fixedPort = freePort();
            putSite("broken", fixedPort, List.of(), Map.of("/", unknown));
            awaitServedBy(fixedPort, "broken.test", "/", "backend-4");

            assertNginxHealthy(master);
            assertThat(requestErrors).as("requests lost across reloads on a port that was serving").isEmpty();
        } finally {
            log.close();
        }
    }

    /**
     * nginx not running yet at lbsync's first install (e.g. both started by systemd at once): the reload fails, and
     * since there is no previous file the validated one stays, so nginx can start on it; a retry (or the next change)
     * reloads the running nginx.
     */
    @Test
    void nginxStartedAfterLbsyncStartsOnItsFirstFileAndIsReloadedFromThen() throws Exception {
        app = LbsyncApp.start(lbsyncProperties());
        await("first install, reload failed: no nginx yet").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> status() != null && status().failed());
        assertThat(status().detail()).contains("reload failed", "there was no previous config, the new (validated) file stays");
        assertThat(live()).startsWith("# Generated by lbsync");

        startNginx();
        long master = nginx.pid();
        int port = freePort();
        register(web, "w1", 1, "passing");
        putSite("late", port, List.of(), Map.of("/", web));
        awaitServedBy(port, "late.test", "/", "backend-1");
        register(web, "w2", 2, "passing");
        awaitServedBy(port, "late.test", "/", "backend-1", "backend-2");
        assertThat(reloads()).isGreaterThanOrEqualTo(2);
        assertNginxHealthy(master);
    }

    /** nginx -s reload exits 0 even when nginx refuses the new config: lbsync must see that and roll back. */
    @Test
    void aReloadNginxRefusesIsAFailureAndThePreviousConfigComesBack() throws Exception {
        reloadTimeout = "3s"; // a refused reload shows as "no new workers within the reload timeout"
        startNginxThenLbsync();
        int good = freePort();
        register(web, "w1", 1, "passing");
        putSite("ok", good, List.of(), Map.of("/", web));
        awaitServedBy(good, "ok.test", "/", "backend-1");
        await().atMost(CHANGE_TIMEOUT).until(() -> status().result() != TargetStatus.Result.FAILED && live().contains(":" + good + ";"));
        String before = live();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            // passes nginx -t (which does not bind), but nginx cannot listen there
            putSite("clash", taken.getLocalPort(), List.of(), Map.of("/", web));
            await("the refused reload is seen").atMost(CHANGE_TIMEOUT).until(() -> status().failed());
            assertThat(status().detail()).contains("nginx started no new workers", "previous config put back");
            await("previous config back (between retries)").atMost(Duration.ofSeconds(5)).until(() -> live().equals(before));
            assertServedBy(good, "ok.test", "/", "backend-1");
        }
    }

    // ---- checks ----

    /** The same master still runs, it accepted every reload, and the installed file passes nginx -t. */
    private void assertNginxHealthy(long master) throws Exception {
        assertThat(nginx.isAlive()).isTrue();
        assertThat(nginx.pid()).isEqualTo(master);
        assertThat(Files.readString(pidFile).trim()).isEqualTo(Long.toString(master));
        assertThat(text(errorLog)).as("nginx error log").doesNotContain("[emerg]", "[alert]", "[crit]");
        assertThat(Commands.run(NGINX, "-t", "-q", "-p", dir + "/", "-c", output.toString())).as("nginx -t on the live file").isZero();
        assertThat(dir.resolve(".nginx.conf.lbsync-staged")).doesNotExist();
        assertThat(dir.resolve("nginx.conf.bak")).exists();
        await("nginx target not failed").atMost(CHANGE_TIMEOUT).until(() -> status().result() != TargetStatus.Result.FAILED);
        assertThat(status().result()).isIn(TargetStatus.Result.INSTALLED, TargetStatus.Result.UNCHANGED);
    }

    // ---- Consul ----

    private static String id(String service, String instance) {
        return service + "-" + instance;
    }

    private static String checkId(String service, String instance) {
        return "check-" + id(service, instance);
    }

    private void register(String service, String instance, int backend, String checkStatus) {
        cluster.http().registerService(node, "{\"ID\":\"" + id(service, instance) + "\",\"Name\":\"" + service + "\","
                + "\"Address\":\"127.0.0.1\",\"Port\":" + backends.port("backend-" + backend) + ","
                + "\"Check\":{\"CheckID\":\"" + checkId(service, instance) + "\",\"TTL\":\"10m\",\"Status\":\"" + checkStatus + "\"}}")
                .requireOk();
    }

    private void putSite(String site, int listen, List<String> serverNames, Map<String, String> routes) throws IOException {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("server_names", serverNames);
        value.put("listen", listen);
        value.put("routes", routes);
        assertThat(cluster.http().kvPut(prefix + SiteParser.SITES + site, JSON.writeValueAsString(value))).isTrue();
    }

    // ---- lbsync / nginx ----

    private TargetStatus status() {
        return app.target("nginx").status();
    }

    private String live() throws IOException {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    /** Reloads the master accepted so far, counted from its error log. */
    private int reloads() {
        Matcher m = RECONFIGURING.matcher(text(errorLog));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private List<Long> workers() {
        return nginx.children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
    }

    // ---- HTTP through nginx ----

    /** What answered 8 requests: a backend's name for a 200, else the status code, or "error: ..." for no answer. */
    private Set<String> servedBy(int port, String host, String path) {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < 8; i++) {
            try {
                Reply r = request(port, host, path);
                seen.add(r.status() == 200 ? r.body() : Integer.toString(r.status()));
            } catch (IOException e) {
                if (servingPorts.contains(port)) {
                    requestErrors.add(port + path + ": " + e);
                }
                seen.add("error: " + e);
            }
        }
        return seen;
    }

    private void awaitServedBy(int port, String host, String path, String... answers) {
        Set<String> expected = Set.of(answers);
        await("port " + port + " Host " + host + " " + path + " answered by " + expected).atMost(CHANGE_TIMEOUT)
                .pollInterval(Duration.ofMillis(50)).until(() -> servedBy(port, host, path), expected::equals);
        awaitReloadFinished();
        servingPorts.add(port);
        assertServedBy(port, host, path, answers);
    }

    /**
     * After a reload nginx's master starts the new worker, sleeps 100 ms, and only then tells the old one to stop
     * accepting: in between, both take new connections, so the new config answering once does not mean the old one
     * no longer answers. Wait until the old worker is gone (one worker is configured).
     */
    private void awaitReloadFinished() {
        await("old nginx workers gone").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> workers().size() == 1);
    }

    /** Settled: 24 more requests all answered by exactly these. */
    private void assertServedBy(int port, String host, String path, String... answers) {
        for (int i = 0; i < 3; i++) {
            assertThat(servedBy(port, host, path)).as("port %d Host %s %s", port, host, path).containsExactlyInAnyOrder(answers);
        }
    }

    // ---- helpers ----

    private static String text(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A free loopback port, different from every port handed out before in this test. */
    private int freePort() throws IOException {
        return Ports.freeExcept(backends.ports());
    }

    /** Collects the formatted messages of one logger (log4j2, as the application uses) while open. */
    private static final class LogCapture extends AbstractAppender implements AutoCloseable {
        private final org.apache.logging.log4j.core.Logger logger;
        private final List<String> messages = new CopyOnWriteArrayList<>();

        private LogCapture(org.apache.logging.log4j.core.Logger logger) {
            super("test-capture-" + logger.getName(), null, null, true, Property.EMPTY_ARRAY);
            this.logger = logger;
        }

        static LogCapture on(Class<?> source) {
            LogCapture capture = new LogCapture((org.apache.logging.log4j.core.Logger) LogManager.getLogger(source));
            capture.start();
            capture.logger.addAppender(capture);
            return capture;
        }

        @Override
        public void append(LogEvent event) {
            messages.add(event.getMessage().getFormattedMessage());
        }

        boolean contains(String... parts) {
            return messages.stream().anyMatch(m -> java.util.Arrays.stream(parts).allMatch(m::contains));
        }

        List<String> matching(String part) {
            return messages.stream().filter(m -> m.contains(part)).distinct().toList();
        }

        @Override
        public void close() {
            logger.removeAppender(this);
            stop();
        }
    }
}
