package io.lbsync.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real lbsync's /observe/health (Camel's health-check registry, lbsync's checks "lbsync-consul" and
 * "lbsync-targets") and GET /status, against Consul and the real haproxy -c. On the simulator, Consul runs with ACLs
 * and lbsync with a token, which must never show in either answer. {@code lbsync.health.watch-grace} is 2 s.
 */
class ObservabilityIT {
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(40);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private Path output;
    private String token;
    private final String service = ConsulTestCluster.unique("obs");

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    void statusShowsTheLiveConfigAndFollowsChanges() throws Exception {
        startCluster();
        register(service, "i1", 19201);
        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true);
        start(p);
        awaitHealthUp();
        JsonNode full = health("?exposureLevel=full").json();
        assertThat(check(full, "lbsync-consul").path("status").asText()).isEqualTo("UP");
        assertThat(check(full, "lbsync-targets").path("status").asText()).isEqualTo("UP");
        assertThat(health("/ready").status()).isEqualTo(200);

        JsonNode status = status();
        assertThat(status.at("/health/status").asText()).isEqualTo("UP");
        JsonNode haproxy = status.at("/targets/haproxy");
        assertThat(haproxy.at("/lastRun/result").asText()).isIn("INSTALLED", "UNCHANGED");
        assertThat(haproxy.at("/lastRun/error").isNull()).isTrue();
        assertThat(haproxy.at("/live/sha256").asText()).isEqualTo(sha256(output));
        assertThat(haproxy.at("/lastRender/sha256").asText()).isEqualTo(sha256(output));
        Instant firstInstall = Instant.parse(haproxy.at("/lastInstall").asText());
        int servers = haproxy.at("/live/servers").asInt();
        int backends = haproxy.at("/live/backends").asInt();
        assertThat(servers).as("server lines in the live file").isEqualTo(serverLines()).isPositive();
        assertThat(status.at("/targets/nginx/enabled").asBoolean()).isFalse();
        JsonNode consul = status.path("consul");
        assertThat(consul.path("synced").asBoolean()).isTrue();
        assertThat(consul.path("catalogIndex").asLong()).isPositive();
        for (String watch : new String[] {"catalog-services", "health-checks", "health-services", "kv:lbsync/"}) {
            JsonNode w = consul.at("/watches/" + watch.replace("/", "~1"));
            assertThat(w.path("index").asLong()).as(watch + " index").isPositive();
            assertThat(w.path("lastContact").isTextual()).as(watch + " lastContact").isTrue();
            assertThat(w.path("lastSuccess").isTextual()).as(watch + " lastSuccess").isTrue();
            assertThat(w.path("error").isNull()).as(watch + " error").isTrue();
        }
        await("a cleanup report in /status").atMost(TIMEOUT).until(() -> !status().at("/cleanup/lastReport/time").asText().isEmpty());
        assertThat(status().at("/cleanup/leader").isBoolean()).isTrue();

        // one more instance of the service, and a new service: one more server, then one more backend and server
        String before = sha256(output);
        register(service, "i2", 19202);
        await("the new server in /status").atMost(TIMEOUT).until(() -> live().contains(" 127.0.0.1:19202")
                && status().at("/targets/haproxy/live/servers").asInt() == servers + 1);
        String other = ConsulTestCluster.unique("obs-other");
        register(other, "o1", 19203);
        await("the new backend in /status").atMost(TIMEOUT).until(() -> live().contains(" 127.0.0.1:19203")
                && status().at("/targets/haproxy/live/backends").asInt() == backends + 1);
        haproxy = status().at("/targets/haproxy");
        assertThat(haproxy.at("/live/servers").asInt()).isEqualTo(servers + 2).isEqualTo(serverLines());
        assertThat(haproxy.at("/live/sha256").asText()).isEqualTo(sha256(output)).isNotEqualTo(before);
        assertThat(haproxy.at("/live/bytes").asLong()).isEqualTo(Files.size(output));
        assertThat(Instant.parse(haproxy.at("/lastInstall").asText())).isAfter(firstInstall);
        assertNoToken(app.httpGet("/status").body());
    }

    @Test
    void healthIsDownWhileConsulIsUnreachableBeyondTheGraceAndUpAgainAfterItsRestart() throws Exception {
        startCluster();
        register(service, "i1", 19211);
        start(LbsyncTestProperties.forCluster(cluster));
        awaitHealthUp();

        Instant stoppedAt = Instant.now();
        long stopped = System.nanoTime();
        cluster.stopConsul();
        await("health DOWN").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> health("").status() == 503);
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("DOWN only after the grace").isGreaterThan(GRACE);
        // the long polls broke at the same moment; the catalog's is the one looked at below
        await("catalog watch beyond the grace").atMost(TIMEOUT).until(() -> check(health("").json(), "lbsync-consul")
                .path("message").asText().contains("Consul watch catalog-services failing"));
        ConsulHttp.Response down = health("");
        JsonNode consulCheck = check(down.json(), "lbsync-consul");
        assertThat(consulCheck.path("status").asText()).isEqualTo("DOWN");
        assertThat(consulCheck.path("message").asText()).contains("Consul watch", "failing for", "since", "connection");
        assertThat(check(down.json(), "lbsync-targets").isMissingNode()).as("the target itself is fine").isTrue();
        assertThat(health("/ready").status()).isEqualTo(503);
        assertThat(health("/live").status()).as("restarting lbsync would not help: live stays UP").isEqualTo(200);
        JsonNode status = status();
        assertThat(status.at("/health/status").asText()).isEqualTo("DOWN");
        JsonNode watch = status.at("/consul/watches/catalog-services");
        assertThat(watch.path("errorKind").asText()).isEqualTo("connection");
        assertThat(watch.path("error").asText()).isNotEmpty();
        assertThat(watch.path("consecutiveFailures").asInt()).isPositive();
        assertThat(Instant.parse(watch.path("failingSince").asText())).isAfterOrEqualTo(stoppedAt)
                .isBefore(Instant.now().minus(GRACE));
        assertThat(status.at("/targets/haproxy/live/sha256").asText()).isEqualTo(sha256(output));
        JsonNode withData = health("?data=true").json();
        assertThat(check(withData, "lbsync-consul").at("/data/catalog-services.error.kind").asText()).isEqualTo("connection");
        assertNoToken(down.body() + app.httpGet("/status").body() + app.httpGet("/observe/health?exposureLevel=full&data=true").body());

        cluster.startConsul();
        awaitHealthUp();
        assertThat(status().at("/consul/watches/catalog-services/error").isNull()).isTrue();
    }

    @Test
    void aTargetWhoseValidationFailsMakesHealthDownWithTheReasonUntilItInstalls() throws Exception {
        startCluster();
        register(service, "i1", 19221);
        Path template = dir.resolve("haproxy.cfg.ftl");
        Files.writeString(template, "global\n    this-is-not-haproxy \"quoted\" \\backslash\n");
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.haproxy.template", template.toString());
        p.put("lbsync.cleanup.enabled", "false");
        start(p);

        await("health DOWN for the failed run").atMost(TIMEOUT).until(() -> check(health("").json(), "lbsync-targets")
                .path("message").asText().contains("last run failed"));
        ConsulHttp.Response down = health("");
        assertThat(down.status()).isEqualTo(503);
        assertThat(check(down.json(), "lbsync-targets").path("message").asText())
                .contains("target haproxy", "last run failed", "validation rejected the new config");
        assertThat(check(down.json(), "lbsync-consul").isMissingNode()).as("Consul is fine").isTrue();
        assertThat(health("/ready").status()).isEqualTo(503);
        JsonNode haproxy = status().at("/targets/haproxy");
        assertThat(haproxy.at("/lastRun/result").asText()).isEqualTo("FAILED");
        assertThat(haproxy.at("/lastRun/error").asText()).contains("validation rejected");
        assertThat(haproxy.at("/lastRun/failingSince").isTextual()).isTrue();
        assertThat(haproxy.at("/lastRender/sha256").asText()).hasSize(64);
        assertThat(haproxy.at("/lastInstall").isNull()).isTrue();
        assertThat(haproxy.at("/live/exists").asBoolean()).isFalse();

        // the template is re-read on every render: fixed, the next retry installs, and health is UP again
        try (InputStream bundled = getClass().getResourceAsStream("/templates/haproxy.cfg.ftl")) {
            Files.write(template, bundled.readAllBytes());
        }
        awaitHealthUp();
        haproxy = status().at("/targets/haproxy");
        assertThat(haproxy.at("/lastRun/result").asText()).isEqualTo("INSTALLED");
        assertThat(haproxy.at("/lastRun/failingSince").isNull()).isTrue();
        assertThat(haproxy.at("/live/sha256").asText()).isEqualTo(sha256(output));
    }

    @Test
    void notReadyBeforeTheFirstCompleteReadOfConsul() throws Exception {
        startCluster();
        register(service, "i1", 19231);
        cluster.stopConsul();
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.cleanup.enabled", "false");
        start(p);
        ConsulHttp.Response ready = health("/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(check(ready.json(), "lbsync-consul").path("message").asText()).contains("no complete read of Consul yet");
        assertThat(check(ready.json(), "lbsync-targets").path("message").asText())
                .contains("target haproxy: no config rendered and installed yet");
        assertThat(status().at("/consul/synced").asBoolean()).isFalse();

        cluster.startConsul();
        await("ready").atMost(TIMEOUT).until(() -> health("/ready").status() == 200);
        assertThat(live()).contains(" 127.0.0.1:19231");
    }

    // ---- helpers ----

    /** Consul with ACLs on (default deny), lbsync using the management token; on an external Consul, CONSUL_HTTP_TOKEN. */
    private void startCluster() {
        cluster = ConsulTestCluster.Backend.current() == ConsulTestCluster.Backend.EXTERNAL ? ConsulTestCluster.start("node-1")
                : ConsulTestCluster.startWithAcl(ConsulSimulator.builder().agents("node-1").antiEntropyInterval(Duration.ofMillis(200)), 1);
        token = cluster.token();
    }

    private void start(Map<String, String> p) {
        output = dir.resolve("haproxy.cfg");
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.health.watch-grace", GRACE.toSeconds() + "s");
        if (token != null) {
            p.put("lbsync.consul.token", token);
        }
        app = LbsyncApp.start(p);
    }

    private void register(String name, String instance, int port) {
        String id = name + "-" + instance;
        // on the last agent: the tests stop the one lbsync reads from (the first), whose services would leave with it
        cluster.http().registerService(cluster.nodes().get(cluster.nodes().size() - 1), "{\"ID\":\"" + id + "\",\"Name\":\"" + name
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + name + ".test\"],"
                + "\"Check\":{\"CheckID\":\"check-" + id + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
    }

    private void awaitHealthUp() {
        await("health UP").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> health("").status() == 200
                && health("/ready").status() == 200);
        assertThat(health("").json().path("status").asText()).isEqualTo("UP");
    }

    private ConsulHttp.Response health(String suffix) {
        return app.httpGet("/observe/health" + suffix);
    }

    /** A check in Camel's health answer by name; missing when not listed (by default only DOWN checks are). */
    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        return MissingNode.getInstance();
    }

    private JsonNode status() {
        ConsulHttp.Response r = app.httpGet("/status");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        return r.json();
    }

    private void assertNoToken(String text) {
        if (token != null) {
            assertThat(text).doesNotContain(token);
        }
    }

    private String live() throws IOException {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    private int serverLines() throws IOException {
        return (int) live().lines().filter(l -> l.startsWith("    server ")).count();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
