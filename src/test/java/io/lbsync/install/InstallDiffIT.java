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

/** Every install logs a bounded diff of the config: an operator reads there which server came and which went. */
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
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("event=config-diff target=haproxy line=\"-")
                    .contains(service + "-old").contains("127.0.0.1:24001"));
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("event=config-diff target=haproxy line=\"+")
                    .contains(service + "-new").contains("127.0.0.1:24003"));
            assertThat(logs.lines()).noneSatisfy(l -> assertThat(l).contains("event=config-diff").contains("line=\"")
                    .contains(service + "-stays").contains("line=\"-"));
        }
    }

    private static void register(ConsulTestCluster cluster, String node, String id, int port) {
        cluster.http().registerService(node, "{\"Name\":\"" + id.replaceAll("-(old|new|stays)$", "") + "\",\"ID\":\"" + id
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + "}").requireOk();
    }
}
