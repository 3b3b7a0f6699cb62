package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped routes/*.yaml with the real beans, against Consul, with the real haproxy -c. */
class LbsyncRouteIT {
    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private Path output;
    private final String service = ConsulTestCluster.unique("web");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1");
        output = dir.resolve("haproxy.cfg");
    }

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Map<String, String> properties() {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.haproxy.output", output.toString());
        return p;
    }

    private void register(String id, int port) {
        cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"" + id + "\",\"Name\":\"" + service
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + service + ".test\"],"
                + "\"Check\":{\"CheckID\":\"check-" + id + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
    }

    private String live() throws Exception {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    @Test
    void theConfigFollowsRegistrationsAndHealth() throws Exception {
        try (LbsyncApp app = LbsyncApp.start(properties())) {
            String id = ConsulTestCluster.unique("i");
            register(id, 9101);
            await().atMost(Duration.ofSeconds(10)).until(() -> live().contains(" 127.0.0.1:9101"));
            assertThat(live()).contains("backend " + service, "-i " + service + ".test");

            cluster.http().failCheck(cluster.nodes().get(0), "check-" + id, "down").requireOk();
            await().atMost(Duration.ofSeconds(10)).until(() -> !live().contains(" 127.0.0.1:9101"));
            assertThat(live()).contains("backend " + service); // the backend stays, empty

            cluster.http().passCheck(cluster.nodes().get(0), "check-" + id, "up").requireOk();
            await().atMost(Duration.ofSeconds(10)).until(() -> live().contains(" 127.0.0.1:9101"));
            cluster.http().deregisterService(cluster.nodes().get(0), id).requireOk();
            await().atMost(Duration.ofSeconds(10)).until(() -> !live().contains(" 127.0.0.1:9101"));
            assertThat(app.target("haproxy").status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
        }
    }

    @Test
    void anInvalidTemplateNeverReplacesTheLiveFile() throws Exception {
        Files.writeString(output, "# previous working config\n");
        Path template = dir.resolve("broken.cfg.ftl");
        Files.writeString(template, "global\n    this-is-not-haproxy <#list services as s>${s.backend} </#list>\n");
        Map<String, String> p = properties();
        p.put("lbsync.haproxy.template", template.toString());
        try (LbsyncApp app = LbsyncApp.start(p)) {
            register(ConsulTestCluster.unique("i"), 9102);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.target("haproxy").status() != null
                    && app.target("haproxy").status().failed());
            assertThat(app.target("haproxy").status().detail()).contains("validation rejected");
            assertThat(live()).isEqualTo("# previous working config\n");
            // retries keep failing the same way; between two of them nothing is left staged
            await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(dir.resolve(".haproxy.cfg.lbsync-staged")));
            assertThat(live()).isEqualTo("# previous working config\n");
        }
    }

    @Test
    void nothingIsRenderedBeforeConsulAnswers() throws Exception {
        cluster.stopConsul();
        Map<String, String> p = properties();
        try (LbsyncApp app = LbsyncApp.start(p)) {
            Thread.sleep(2000);
            assertThat(output).doesNotExist();
            assertThat(app.target("haproxy").status()).isNull();
            cluster.startConsul();
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(output));
        }
    }

    @Test
    void onceModeRendersAndExitsZero() throws Exception {
        register(ConsulTestCluster.unique("i"), 9103);
        Path config = dir.resolve("operator.properties");
        StringBuilder text = new StringBuilder();
        properties().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, text);
        assertThat(LbsyncMain.run(config.toString(), RunMode.ONCE, false)).isZero();
        assertThat(live()).contains(" 127.0.0.1:9103");
    }

    @Test
    void onceModeExitsNonZeroWhenValidationFails() throws Exception {
        Path template = dir.resolve("broken.cfg.ftl");
        Files.writeString(template, "global\n    this-is-not-haproxy\n");
        Path config = dir.resolve("operator.properties");
        StringBuilder text = new StringBuilder("lbsync.haproxy.template=" + template + "\n");
        properties().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, text);
        assertThat(LbsyncMain.run(config.toString(), RunMode.ONCE, false)).isEqualTo(1);
        assertThat(output).doesNotExist();
    }

    @Test
    void aFailedReloadIsRetriedWithoutWaitingForAConsulChange() throws Exception {
        Path proxyUp = dir.resolve("proxy-is-up");
        Map<String, String> p = properties();
        p.put("lbsync.haproxy.reload-command", "test -e " + proxyUp); // fails until the "proxy" is started
        register(ConsulTestCluster.unique("i"), 9104);
        try (LbsyncApp app = LbsyncApp.start(p)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> app.target("haproxy").status() != null
                    && app.target("haproxy").status().failed());
            // no previous config: the validated file stays, so the proxy can be started on it
            assertThat(live()).contains(" 127.0.0.1:9104");
            Files.createFile(proxyUp);
            await().atMost(Duration.ofSeconds(15)).until(() -> app.target("haproxy").status().result()
                    == TargetStatus.Result.INSTALLED);
        }
    }
}
