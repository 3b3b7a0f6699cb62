package io.lbsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /observe/metrics (Prometheus text): lbsync's meters are there, with low-cardinality labels, and move after a change. */
class MetricsIT {
    @TempDir
    Path dir;

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
        assertThat(m.find()).as("series %s in:%n%s", series, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void lbsyncMetersAreServedAndMoveAfterAChange() throws Exception {
        String service = ConsulTestCluster.unique("metered");
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            String node = cluster.nodes().get(0);
            register(cluster, node, service + "-1", 25001);
            Path output = dir.resolve("haproxy.cfg");
            Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
            p.put("lbsync.haproxy.output", output.toString());
            try (LbsyncApp app = LbsyncApp.start(p)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(output));
                String before = app.httpGet("/observe/metrics").requireOk().body();
                double installs = value(before, "lbsync_installs_total{target=\"haproxy\"}");
                double instances = value(before, "lbsync_watched_instances");
                assertThat(installs).isGreaterThanOrEqualTo(1);
                assertThat(value(before, "lbsync_renders_total{target=\"haproxy\"}")).isGreaterThanOrEqualTo(1);
                assertThat(value(before, "lbsync_change_to_install_seconds_count{target=\"haproxy\"}")).isGreaterThanOrEqualTo(1);
                assertThat(before).contains("lbsync_change_to_install_seconds_bucket{target=\"haproxy\",le=",
                        "lbsync_skipped_unchanged_total{target=\"haproxy\"}", "lbsync_validation_failures_total{target=\"haproxy\"}",
                        "lbsync_reload_failures_total{target=\"haproxy\"}", "lbsync_install_failures_total{target=\"haproxy\"}",
                        "lbsync_consul_errors_total{kind=\"connection\"}", "lbsync_consul_errors_total{kind=\"http_429\"}",
                        "lbsync_rejected_values_total{field=\"address\"}", "lbsync_guard_holds_total",
                        "lbsync_duplicates_found", "lbsync_duplicates_removed_total", "lbsync_duplicates_failed_total",
                        "lbsync_watched_services");

                register(cluster, node, service + "-2", 25002);
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(output).contains(":25002"));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    String after = app.httpGet("/observe/metrics").requireOk().body();
                    assertThat(value(after, "lbsync_installs_total{target=\"haproxy\"}")).isEqualTo(installs + 1);
                    assertThat(value(after, "lbsync_watched_instances")).isEqualTo(instances + 1);
                    assertThat(value(after, "lbsync_change_to_install_seconds_count{target=\"haproxy\"}"))
                            .isGreaterThanOrEqualTo(2);
                });
            }
        }
    }

    private static void register(ConsulTestCluster cluster, String node, String id, int port) {
        cluster.http().registerService(node, "{\"Name\":\"" + id.substring(0, id.lastIndexOf('-')) + "\",\"ID\":\"" + id
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + "}").requireOk();
    }
}
