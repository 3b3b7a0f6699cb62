package io.lbsync.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.TokenPolicy;
import io.lbsync.consulsim.TokenPolicy.Access;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disappearance that is not one: lbsync's token loses {@code service:read} through a policy edit, and the next,
 * unrelated catalog change makes every service vanish from its view (Consul filters what a token may not read). The
 * guard must not take that for a decommission, however long it lasts: the live config and the proxy stay untouched
 * (no install, no reload) for over two minutes — four times {@code lbsync.guard.confirm-after} — and health says
 * degraded, with the likely cause. Restoring the policy brings lbsync back to normal without a restart.
 */
class AclRightsLostIT {
    private static final Duration HOLD_FOR = Duration.ofSeconds(125);
    private static final Duration CONFIRM_AFTER = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private final String token = UUID.randomUUID().toString();
    private final String prefix = ConsulTestCluster.unique("rights");
    private final List<String> services = List.of(prefix + "-a", prefix + "-b", prefix + "-c");
    private Path output;
    private Path reloads;

    @BeforeEach
    void setUp() throws Exception {
        cluster = ConsulTestCluster.startWithAcl(ConsulSimulator.builder().agents("node-1"), 1);
        cluster.addToken(token, TokenPolicy.readOnly());
        String node = cluster.nodes().get(0);
        int port = 19501;
        for (String s : services) {
            for (String i : new String[] {"1", "2"}) {
                cluster.http().registerService(node, "{\"Name\":\"" + s + "\",\"ID\":\"" + s + "-" + i + "\",\"Address\":\"127.0.0.1\","
                        + "\"Port\":" + port++ + "}").requireOk();
            }
        }
        output = dir.resolve("haproxy.cfg");
        reloads = dir.resolve("reloads.log");
        Path script = dir.resolve("record-reload.sh");
        Files.writeString(script, "#!/bin/sh\necho reload >> \"$1\"\n");
        assertThat(script.toFile().setExecutable(true)).isTrue();
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.token", token);
        p.put("lbsync.consul.services", String.join(",", services));
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.reload-command", script + " " + reloads);
        p.put("lbsync.guard.confirm-after", CONFIRM_AFTER.toSeconds() + "s");
        p.put("lbsync.cleanup.enabled", "false");
        app = LbsyncApp.start(p);
        await().atMost(Duration.ofSeconds(30)).until(() -> live().contains(":19506") && reloadCount() == 1);
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

    @Test
    void lostReadRightsNeverEmptyTheConfigAndRestoringThemNeedsNoRestart() throws Exception {
        byte[] before = Files.readAllBytes(output);
        // the policy edit: everything but service:read
        cluster.addToken(token, new TokenPolicy(false, Access.DENY, Access.READ, Access.READ, Access.READ, Access.READ));
        // an unrelated catalog change wakes lbsync's long poll, whose answer is now filtered to nothing
        cluster.http().registerService(cluster.nodes().get(0), "{\"Name\":\"" + prefix + "-unrelated\",\"Port\":1}").requireOk();
        ImplausibleChangeGuard guard = app.camel().getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class);
        await("the guard holds the disappearance").atMost(Duration.ofSeconds(30))
                .until(() -> guard.holdsNow().containsKey("haproxy"));
        String reason = guard.holdsNow().get("haproxy").uncorroborated();
        System.out.println("AclRightsLostIT: held: " + reason);
        assertThat(reason).contains("service:read");

        Instant until = Instant.now().plus(HOLD_FOR);
        int looks = 0;
        while (Instant.now().isBefore(until)) {
            assertThat(Files.readAllBytes(output)).as("live config while the token cannot read services").isEqualTo(before);
            assertThat(reloadCount()).as("reloads while the token cannot read services").isEqualTo(1);
            if (looks++ % 10 == 0) {
                JsonNode status = app.httpGet("/status").requireOk().json();
                assertThat(status.at("/health/status").asText()).isEqualTo("DEGRADED");
                assertThat(status.at("/health/degraded").toString()).contains("mass disappearance").contains("service:read");
                assertThat(app.httpGet("/observe/health/ready").status()).as("degraded, not DOWN").isEqualTo(200);
            }
            Thread.sleep(1_000);
        }

        // the policy restored: lbsync's next read (the long poll returns within lbsync.consul.wait) sees every service again
        cluster.addToken(token, TokenPolicy.readOnly());
        await("back to normal").atMost(Duration.ofSeconds(90)).until(() -> guard.holdsNow().isEmpty()
                && app.httpGet("/status").json().at("/health/status").asText().equals("UP"));
        assertThat(Files.readAllBytes(output)).isEqualTo(before);
        assertThat(reloadCount()).isEqualTo(1);
    }

    private String live() throws Exception {
        return Files.exists(output) ? Files.readString(output) : "";
    }

    private int reloadCount() throws Exception {
        return Files.exists(reloads) ? Files.readAllLines(reloads).size() : 0;
    }
}
