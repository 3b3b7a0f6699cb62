package io.lbsync.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Pause;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The implausible-change guard in the real pipeline (real {@code haproxy -c}): every instance of a service going
 * critical for a moment — an agent restarting — never reaches the live file; the same change persisting past
 * lbsync.guard.confirm-after is applied. Runs unchanged against a real Consul.
 */
class ImplausibleChangeGuardIT {
    private static final Duration CONFIRM = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private Path output;
    private String node;
    private final String service = ConsulTestCluster.unique("guarded");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        for (int i = 0; i < 3; i++) {
            cluster.http().registerService(node, "{\"Name\":\"" + service + "\",\"ID\":\"" + service + "-" + i
                    + "\",\"Address\":\"127.0.0.1\",\"Port\":" + (21000 + i) + ",\"Check\":{\"CheckID\":\"check-" + service + i
                    + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
        }
        output = dir.resolve("haproxy.cfg");
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.guard.confirm-after", CONFIRM.toMillis() + "ms");
        // the three checks fail one call after another: let them arrive as one change even on a loaded machine
        p.put("lbsync.wait.min", "500ms");
        p.put("lbsync.wait.max", "2s");
        app = LbsyncApp.start(p);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(output) && servers() == 3);
    }

    @AfterEach
    void tearDown() throws Exception {
        app.close();
        if (cluster != null) {
            cluster.close();
        }
    }

    private long servers() throws Exception {
        return Files.readAllLines(output).stream().filter(l -> l.contains("127.0.0.1:210")).count();
    }

    private void setChecks(boolean passing) {
        for (int i = 0; i < 3; i++) {
            if (passing) {
                cluster.http().passCheck(node, "check-" + service + i, "back").requireOk();
            } else {
                cluster.http().failCheck(node, "check-" + service + i, "agent restarting").requireOk();
            }
        }
    }

    @Test
    void aBackendEmptiedForAMomentIsHeldBackAndTheLiveFileNeverChanges() throws Exception {
        byte[] before = Files.readAllBytes(output);
        long modified = Files.getLastModifiedTime(output).toMillis();
        setChecks(false);
        Pause.millis(CONFIRM.toMillis() / 2);
        setChecks(true);
        Pause.millis(CONFIRM.toMillis() + 1_000); // past the confirm time: nothing may surface late either
        assertThat(Files.readAllBytes(output)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(output).toMillis()).isEqualTo(modified);
        assertThat(app.camel().getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class).holds()).isEqualTo(1);
    }

    @Test
    void anEmptyBackendThatPersistsIsAppliedAfterTheConfirmTime() throws Exception {
        long start = System.nanoTime();
        setChecks(false);
        Pause.millis(CONFIRM.toMillis() / 2);
        assertThat(servers()).as("held back").isEqualTo(3);
        await().atMost(CONFIRM.multipliedBy(3)).until(() -> servers() == 0);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(CONFIRM);
    }
}
