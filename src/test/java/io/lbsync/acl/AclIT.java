package io.lbsync.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.TokenPolicy;
import io.lbsync.consulsim.TokenPolicy.Access;
import io.lbsync.testsupport.CapturedLogs;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Pause;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync against a default-deny Consul: rendering needs only read rights; a rotated token file is picked up
 * without a restart; and no token — lbsync's own, a wrong one, or a registration guard caller's — ever reaches a
 * log line or stack trace, DEBUG included. Tokens are created and revoked by the test (simulator, or ACL policies and tokens on real Consul).
 */
class AclIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private Path output;
    private final String service = ConsulTestCluster.unique("acl");
    private String node;

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.startWithAcl(ConsulSimulator.builder().agents("node-1"), 1);
        node = cluster.nodes().get(0);
        output = dir.resolve("haproxy.cfg");
        register(service + "-1", 22001);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String id, int port) {
        cluster.http().registerService(node, "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"127.0.0.1\",\"Port\":"
                + port + "}").requireOk();
    }

    private Map<String, String> properties() {
        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true);
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.registration-guard.enabled", "true");
        return p;
    }

    private boolean rendered(int port) throws Exception {
        return Files.exists(output) && Files.readString(output).contains("127.0.0.1:" + port);
    }

    @Test
    void renderingNeedsOnlyReadRights() {
        String token = UUID.randomUUID().toString();
        cluster.addToken(token, new TokenPolicy(false, Access.READ, Access.READ, Access.READ, Access.DENY));
        Map<String, String> p = properties();
        p.put("lbsync.consul.token", token);
        app = LbsyncApp.start(p);
        await().atMost(TIMEOUT).until(() -> rendered(22001));
        register(service + "-2", 22002);
        await().atMost(TIMEOUT).until(() -> rendered(22002));
    }

    @Test
    void aRotatedTokenFileIsPickedUpWithoutARestart() throws Exception {
        Path tokenFile = dir.resolve("consul.token");
        String oldToken = UUID.randomUUID().toString();
        String newToken = UUID.randomUUID().toString();
        Files.writeString(tokenFile, oldToken + "\n");
        cluster.addToken(oldToken, TokenPolicy.readOnly());
        cluster.addToken(newToken, TokenPolicy.readOnly());
        Map<String, String> p = properties();
        p.put("lbsync.consul.token-file", tokenFile.toString());
        app = LbsyncApp.start(p);
        await().atMost(TIMEOUT).until(() -> rendered(22001));

        Files.writeString(tokenFile, newToken + "\n");
        Files.setLastModifiedTime(tokenFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        cluster.addToken(oldToken, TokenPolicy.DENY_ALL); // revoked
        register(service + "-2", 22002);
        await().atMost(TIMEOUT).until(() -> rendered(22002));
    }

    @Test
    void noTokenEverAppearsInTheLogsEvenWhenConsulRefusesIt() throws Exception {
        String own = UUID.randomUUID().toString();
        String caller = UUID.randomUUID().toString();
        String unknown = UUID.randomUUID().toString();
        cluster.addToken(own, new TokenPolicy(false, Access.READ, Access.READ, Access.READ, Access.READ));
        try (CapturedLogs logs = new CapturedLogs()) {
            Map<String, String> p = properties();
            p.put("lbsync.consul.token", own);
            app = LbsyncApp.start(p);
            await().atMost(TIMEOUT).until(() -> rendered(22001));
            // refused calls: the leader lock (no session rights) and a registration with a caller token Consul does not know
            assertThat(app.http("PUT", "/v1/agent/service/register",
                    "{\"Name\":\"" + service + "\",\"ID\":\"" + service + "-g\"}", caller).status()).isEqualTo(403);
            Pause.millis(2_000);
            app.close();
            app = null;

            // a token Consul does not know at all
            Map<String, String> wrong = properties();
            wrong.put("lbsync.consul.token", unknown);
            app = LbsyncApp.start(wrong);
            Pause.millis(2_000);

            assertThat(logs.all()).contains("event=leader-election-error").contains("ACL not found")
                    .doesNotContain(own).doesNotContain(caller).doesNotContain(unknown).doesNotContain(cluster.token());
            assertThat(logs.lines()).hasSizeGreaterThan(100); // DEBUG was really captured
        }
    }
}
