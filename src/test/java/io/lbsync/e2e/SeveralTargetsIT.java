package io.lbsync.e2e;

import static io.lbsync.testsupport.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.install.TargetStatus;
import io.lbsync.render.SiteParser;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HAProxy and nginx enabled in one lbsync (no proxy processes: output files, real {@code haproxy -c} and
 * {@code nginx -t}): each target has its own file, validation and reload, and a failing nginx target — a template
 * that renders an invalid config, a reload that fails, a validation that hangs — never stops HAProxy's file from
 * following Consul, while nginx's live file stays as it was and its status says FAILED.
 * <p>
 * Validate and reload commands run through a small recording wrapper ({@code record.sh LOG LABEL cmd args...}),
 * so the test sees which command ran on which file.
 */
class SeveralTargetsIT {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private Path haproxyOutput;
    private Path nginxOutput;
    private Path nginxTemplate;
    private Path recorder;
    private Path commandsLog;
    private LbsyncApp app;
    private final String prefix = ConsulTestCluster.unique("e2e-multi") + "/";
    private final String service = ConsulTestCluster.unique("both");

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        haproxyOutput = dir.resolve("haproxy.cfg");
        nginxOutput = dir.resolve("nginx.conf");
        nginxTemplate = dir.resolve("nginx.conf.ftl");
        commandsLog = dir.resolve("commands.log");
        recorder = dir.resolve("record.sh");
        Files.writeString(recorder, "#!/bin/sh\nlog=$1; label=$2; shift 2\necho \"$label: $*\" >> \"$log\"\nexec \"$@\"\n");
        assertThat(recorder.toFile().setExecutable(true)).isTrue();
        try (InputStream in = SeveralTargetsIT.class.getResourceAsStream("/templates/nginx.conf.ftl")) {
            assertThat(in).as("bundled nginx template").isNotNull();
            Files.write(nginxTemplate, in.readAllBytes());
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            cluster.close();
        }
    }

    private Map<String, String> lbsyncProperties() throws IOException {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.kv.prefix", prefix);

        p.put("lbsync.haproxy.enabled", "true");
        p.put("lbsync.haproxy.output", haproxyOutput.toString());
        p.put("lbsync.haproxy.validate-command", recorder + " " + commandsLog + " haproxy-validate haproxy -c -q -f {file}");
        p.put("lbsync.haproxy.reload-command", recorder + " " + commandsLog + " haproxy-reload true");
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + Ports.free());

        p.put("lbsync.nginx.enabled", "true");
        p.put("lbsync.nginx.template", nginxTemplate.toString());
        p.put("lbsync.nginx.output", nginxOutput.toString());
        p.put("lbsync.nginx.validate-command", recorder + " " + commandsLog + " nginx-validate nginx -t -q -p " + dir + "/ -c {file}");
        p.put("lbsync.nginx.reload-command", recorder + " " + commandsLog + " nginx-reload true");
        p.put("lbsync.nginx.param.listen_address", "127.0.0.1");
        p.put("lbsync.nginx.param.pid", dir.resolve("nginx.pid").toString());
        p.put("lbsync.nginx.param.error_log", dir.resolve("nginx-error.log").toString());
        return p;
    }

    // ---- the tests ----

    @Test
    void eachTargetHasItsOwnFileValidationAndReloadAndABrokenNginxTemplateStopsOnlyNginx() throws Exception {
        app = LbsyncApp.start(lbsyncProperties());
        awaitInstalled("haproxy");
        awaitInstalled("nginx");

        int sitePort = Ports.free();
        register("i1", 18001);
        putSite(sitePort);
        await("both targets follow Consul").atMost(CHANGE_TIMEOUT).until(() ->
                live(haproxyOutput).contains("127.0.0.1:18001") && live(nginxOutput).contains("server 127.0.0.1:18001;")
                        && live(nginxOutput).contains("listen 127.0.0.1:" + sitePort + ";"));
        awaitSettled("haproxy");
        awaitSettled("nginx");

        // each file is its own proxy's config, rendered from its own template...
        assertThat(live(haproxyOutput)).contains("backend " + service, "frontend http").doesNotContain("upstream ", "server {");
        assertThat(live(nginxOutput)).contains("upstream " + service + " {", "# site web (Consul K/V)").doesNotContain("frontend ");
        // ...validated by its own command on its own staged file, and reloaded by its own command
        List<String> commands = commands();
        assertThat(commands).contains(
                "haproxy-validate: haproxy -c -q -f " + dir.resolve(".haproxy.cfg.lbsync-staged"),
                "nginx-validate: nginx -t -q -p " + dir + "/ -c " + dir.resolve(".nginx.conf.lbsync-staged"),
                "haproxy-reload: true", "nginx-reload: true");
        assertThat(commands).filteredOn(c -> c.startsWith("haproxy-")).noneMatch(c -> c.contains("nginx"));
        assertThat(commands).filteredOn(c -> c.startsWith("nginx-")).noneMatch(c -> c.contains("haproxy"));
        // and each live file passes its proxy's check
        assertThat(run("haproxy", "-c", "-q", "-f", haproxyOutput.toString())).isZero();
        assertThat(run("nginx", "-t", "-q", "-p", dir + "/", "-c", nginxOutput.toString())).isZero();

        // the nginx template now renders something nginx -t rejects (the template file is re-read on every render)
        String goodTemplate = Files.readString(nginxTemplate);
        Files.writeString(nginxTemplate, goodTemplate + "\nthis_is_not_an_nginx_directive on;\n");
        byte[] nginxBytes = Files.readAllBytes(nginxOutput);
        FileTime nginxMtime = Files.getLastModifiedTime(nginxOutput);
        Instant before = Instant.now();

        // a Consul change: HAProxy's file follows; nginx's validation fails and its live file is left alone
        register("i2", 18002);
        await("haproxy follows i2").atMost(CHANGE_TIMEOUT).until(() -> live(haproxyOutput).contains("127.0.0.1:18002"));
        awaitFailed("nginx", before, "validation rejected the new config, live file unchanged", "this_is_not_an_nginx_directive");
        assertThat(app.target("haproxy").status().result()).isIn(TargetStatus.Result.INSTALLED, TargetStatus.Result.UNCHANGED);
        assertNginxUntouched(nginxBytes, nginxMtime);
        assertThat(dir.resolve(".nginx.conf.lbsync-staged")).as("rejected staged file removed").doesNotExist();

        // and another one, while nginx keeps failing (and retrying)
        cluster.http().deregisterService(node, id("i1")).requireOk();
        await("haproxy drops i1").atMost(CHANGE_TIMEOUT).until(() -> !live(haproxyOutput).contains("127.0.0.1:18001"));
        assertThat(live(haproxyOutput)).contains("127.0.0.1:18002");
        awaitSettled("haproxy");
        assertThat(app.target("nginx").status().failed()).isTrue();
        assertNginxUntouched(nginxBytes, nginxMtime);
        assertThat(run("haproxy", "-c", "-q", "-f", haproxyOutput.toString())).isZero();

        // template fixed: nginx catches up with everything it missed, on the next change at the latest
        Files.writeString(nginxTemplate, goodTemplate);
        register("i3", 18003);
        await("nginx catches up").atMost(CHANGE_TIMEOUT).until(() -> live(nginxOutput).contains("server 127.0.0.1:18003;")
                && live(haproxyOutput).contains("127.0.0.1:18003"));
        awaitSettled("nginx");
        awaitSettled("haproxy");
        assertThat(live(nginxOutput)).contains("server 127.0.0.1:18002;").doesNotContain("127.0.0.1:18001")
                .doesNotContain("this_is_not_an_nginx_directive");
        assertThat(run("nginx", "-t", "-q", "-p", dir + "/", "-c", nginxOutput.toString())).isZero();
    }

    /** nginx's reload command ("false") always fails: each nginx install is undone, HAProxy's go ahead. */
    @Test
    void aFailingNginxReloadRollsBackOnlyNginx() throws Exception {
        String operatorsConfig = """
                # the operator's nginx config (test)
                pid %s;
                error_log %s;
                events {
                }
                http {
                }
                """.formatted(dir.resolve("nginx.pid"), dir.resolve("nginx-error.log"));
        Files.writeString(nginxOutput, operatorsConfig);
        byte[] nginxBytes = Files.readAllBytes(nginxOutput);
        FileTime nginxMtime = Files.getLastModifiedTime(nginxOutput);
        Map<String, String> p = lbsyncProperties();
        p.put("lbsync.nginx.reload-command", recorder + " " + commandsLog + " nginx-reload false");
        Instant start = Instant.now();
        app = LbsyncApp.start(p);

        awaitInstalled("haproxy");
        awaitFailed("nginx", start, "reload failed", "previous config put back");
        Instant firstFailure = app.target("nginx").status().at();
        assertNginxUntouched(nginxBytes, nginxMtime);

        register("i1", 18001);
        putSite(Ports.free());
        await("haproxy follows i1").atMost(CHANGE_TIMEOUT).until(() -> live(haproxyOutput).contains("127.0.0.1:18001"));
        awaitSettled("haproxy");
        // nginx ran its pipeline for the change (its reload command saw the new file), then put the old file back
        awaitFailed("nginx", firstFailure, "reload failed", "previous config put back");
        assertNginxUntouched(nginxBytes, nginxMtime);
        assertThat(Files.readAllBytes(dir.resolve("nginx.conf.bak"))).isEqualTo(nginxBytes);
        assertThat(commands()).filteredOn(c -> c.startsWith("nginx-reload")).hasSizeGreaterThanOrEqualTo(4); // 2 installs, 2 rollbacks
        assertThat(commands()).filteredOn(c -> c.startsWith("haproxy-reload")).hasSizeGreaterThanOrEqualTo(2);

        cluster.http().deregisterService(node, id("i1")).requireOk();
        await("haproxy drops i1").atMost(CHANGE_TIMEOUT).until(() -> !live(haproxyOutput).contains("127.0.0.1:18001"));
        assertThat(app.target("nginx").status().failed()).isTrue();
        assertNginxUntouched(nginxBytes, nginxMtime);
        assertThat(run("haproxy", "-c", "-q", "-f", haproxyOutput.toString())).isZero();
    }

    /** nginx's validation hangs until its timeout: HAProxy's installs do not wait for it (one thread per target). */
    @Test
    void aHangingNginxValidationDoesNotDelayHaproxy() throws Exception {
        Map<String, String> p = lbsyncProperties();
        p.put("lbsync.nginx.validate-command", recorder + " " + commandsLog + " nginx-validate sleep 6");
        p.put("lbsync.nginx.validate-timeout", "4s");
        Instant start = Instant.now();
        app = LbsyncApp.start(p);
        awaitInstalled("haproxy");
        await().atMost(CHANGE_TIMEOUT).until(() -> commands().contains("nginx-validate: sleep 6"));

        long t0 = System.nanoTime();
        register("i1", 18001);
        await("haproxy follows i1").atMost(CHANGE_TIMEOUT).until(() -> live(haproxyOutput).contains("127.0.0.1:18001"));
        Duration haproxyLatency = Duration.ofNanos(System.nanoTime() - t0);
        // nginx is still inside its first validation: no result yet, no file
        assertThat(app.target("nginx").status()).isNull();
        assertThat(nginxOutput).doesNotExist();
        assertThat(haproxyLatency).isLessThan(Duration.ofSeconds(3));

        List<ProcessHandle> hanging = sleepers();
        assertThat(hanging).as("the hanging validation").isNotEmpty();
        awaitFailed("nginx", start, "validation rejected", "timed out");
        assertThat(nginxOutput).doesNotExist();
        // the timed-out validation was killed, not left running (a retry may already run a new one: not checked)
        await("timed-out validation killed").atMost(Duration.ofSeconds(2))
                .until(() -> hanging.stream().noneMatch(ProcessHandle::isAlive));
        System.out.printf("SeveralTargetsIT: haproxy installed a change %d ms after it was made while nginx's validation hung;"
                + " nginx: %s%n", haproxyLatency.toMillis(), app.target("nginx").status().detail());
    }

    /** Our "sleep" validation processes that are still running (the recording wrapper execs them). */
    private static List<ProcessHandle> sleepers() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("sleep 6")).toList();
    }

    // ---- helpers ----

    private String id(String instance) {
        return service + "-" + instance;
    }

    private void register(String instance, int port) {
        cluster.http().registerService(node, "{\"ID\":\"" + id(instance) + "\",\"Name\":\"" + service + "\","
                + "\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + service + ".test\"],"
                + "\"Check\":{\"CheckID\":\"check-" + id(instance) + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}")
                .requireOk();
    }

    private void putSite(int port) {
        assertThat(cluster.http().kvPut(prefix + SiteParser.SITES + "web",
                "{\"server_names\": [\"" + service + ".test\"], \"listen\": " + port + ", \"routes\": {\"/\": \"" + service + "\"}}"))
                .isTrue();
    }

    private void awaitInstalled(String target) {
        await(target + " installed").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            TargetStatus s = app.target(target).status();
            return s != null && s.result() == TargetStatus.Result.INSTALLED;
        });
    }

    /** Waits until the target's last run did not fail (installed, or nothing new to install). */
    private void awaitSettled(String target) {
        await(target + " settled").atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            TargetStatus s = app.target(target).status();
            return s != null && !s.failed();
        });
    }

    private void awaitFailed(String target, Instant after, String... detail) {
        await(target + " FAILED after " + after).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            TargetStatus s = app.target(target).status();
            return s != null && s.failed() && s.at().isAfter(after);
        });
        assertThat(app.target(target).status().detail()).contains(detail);
    }

    private void assertNginxUntouched(byte[] bytes, FileTime mtime) {
        // a failed nginx install is retried every few seconds (swap, reload, rollback): look between two attempts,
        // judging bytes and mtime in the same look (a retry may swap the file in between two separate looks)
        await("nginx's live file as before (bytes and mtime)").atMost(Duration.ofSeconds(5)).until(() ->
                java.util.Arrays.equals(Files.readAllBytes(nginxOutput), bytes)
                        && Files.getLastModifiedTime(nginxOutput).to(TimeUnit.MICROSECONDS) == mtime.to(TimeUnit.MICROSECONDS));
    }

    private List<String> commands() throws IOException {
        return Files.exists(commandsLog) ? Files.readAllLines(commandsLog) : List.of();
    }

    private static String live(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file) : "";
    }
}
