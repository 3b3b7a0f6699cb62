package io.lbsync.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.CapturedLogs;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every install logs one INFO line saying what changed (the full bounded diff at DEBUG and on the status page). */
class InstallDiffIT {
    @TempDir
    Path dir;

    @Test
    void theDiffLinesNameTheAddedAndTheRemovedServer() throws Exception {
        String service = ConsulTestCluster.unique("diff");
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1"); CapturedLogs logs = new CapturedLogs()) {
            String node = cluster.nodes().get(0);
            register(cluster, node, service + "-old", 24001);
            register(cluster, node, service + "-stays", 24002);
            Path output = dir.resolve("haproxy.cfg");
            Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
            p.put("lbsync.haproxy.output", output.toString());
            try (LbsyncApp app = LbsyncApp.start(p)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(output) && Files.readString(output).contains(":24001"));
                register(cluster, node, service + "-new", 24003);
                cluster.http().deregisterService(node, service + "-old").requireOk();
                await().atMost(Duration.ofSeconds(20)).until(() -> !Files.readString(output).contains(":24001")
                        && Files.readString(output).contains(":24003"));
            }
            // one INFO line per install says what changed: the server that came and the one that went, not the one that stayed
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("event=installed target=haproxy",
                    "lines_added=", "+ server " + service + "-new 127.0.0.1:24003", "- server " + service + "-old 127.0.0.1:24001")
                    .doesNotContain(service + "-stays"));
        }
    }

    private static void register(ConsulTestCluster cluster, String node, String id, int port) {
        cluster.http().registerService(node, "{\"Name\":\"" + id.replaceAll("-(old|new|stays)$", "") + "\",\"ID\":\"" + id
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + "}").requireOk();
    }
}
