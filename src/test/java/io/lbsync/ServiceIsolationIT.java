package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.CapturedLogs;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.watch.WatchHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One service Consul accepts but cannot serve back (a newline or tab in its name: 400 on read; "." or "..": no URL path
 * can carry it) never stops the others: {@code --once} renders every other service within 30 s, and a running lbsync
 * goes on following them while it logs the odd ones once, counts them and says so in /status and in its health
 * (degraded, still UP). On real Consul (the harness cluster) and on the simulator, which answers these names alike.
 */
class ServiceIsolationIT {
    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private final String tag = ConsulTestCluster.unique("iso");
    private final String good = tag + "-good";
    private final List<String> unreadable = List.of(tag + "\nnewline", tag + "\ttab", ".", "..");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        register(good, good + "-1", 19401);
        for (String name : unreadable) {
            register(name, ConsulTestCluster.unique("odd"), 19499);
        }
    }

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String name, String id, int port) {
        cluster.http().registerService(node, "{\"Name\":" + ConsulHttp.quote(name) + ",\"ID\":" + ConsulHttp.quote(id)
                + ",\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + tag + ".test\"]}").requireOk();
    }

    private Map<String, String> properties() {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.haproxy.output", dir.resolve("haproxy.cfg").toString());
        p.put("lbsync.nginx.enabled", "true");
        p.put("lbsync.nginx.output", dir.resolve("nginx.conf").toString());
        p.put("lbsync.nginx.validate-command", "nginx -t -q -p " + dir + "/ -c {file}");
        p.put("lbsync.nginx.param.pid", dir.resolve("nginx.pid").toString());
        p.put("lbsync.nginx.param.error_log", dir.resolve("nginx-error.log").toString());
        p.put("lbsync.cleanup.enabled", "false");
        return p;
    }

    private String haproxy() throws Exception {
        Path f = dir.resolve("haproxy.cfg");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Test
    void onceRendersEveryOtherServiceWithinThirtySeconds() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            long t0 = System.nanoTime();
            int exit = LbsyncOnce.run(properties(), dir.resolve("operator.properties"), Duration.ofSeconds(30));
            System.out.printf("ServiceIsolationIT: --once with %d unreadable services took %d ms%n", unreadable.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertThat(exit).isZero();
            assertThat(haproxy()).contains(" 127.0.0.1:19401").doesNotContain("19499");
            assertThat(Files.readString(dir.resolve("nginx.conf"))).contains("127.0.0.1:19401").doesNotContain("19499");
            // one line per odd name, the name escaped (no raw newline or tab in the log)
            assertThat(logs.lines()).filteredOn(l -> l.contains("event=service-unreadable") && l.contains(tag + "\\nnewline"))
                    .hasSize(1);
            assertThat(logs.lines()).filteredOn(l -> l.contains("event=service-unreadable") && l.contains(tag + "\\ttab")).hasSize(1);
            assertThat(logs.lines()).noneMatch(l -> l.contains(tag + "\n") || l.contains(tag + "\t"));
        }
    }

    @Test
    void aRunningLbsyncKeepsFollowingTheOtherServices() throws Exception {
        try (LbsyncApp app = LbsyncApp.start(properties())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> haproxy().contains(" 127.0.0.1:19401"));
            WatchHealth health = app.camel().getRegistry().lookupByNameAndType("watchHealth", WatchHealth.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> health.unreadable().entries().keySet().containsAll(unreadable));

            // changes of the good service still arrive quickly, again and again
            for (int i = 2; i <= 4; i++) {
                int port = 19400 + i;
                long t0 = System.nanoTime();
                register(good, good + "-" + i, port);
                await().atMost(Duration.ofSeconds(5)).until(() -> haproxy().contains(" 127.0.0.1:" + port));
                System.out.printf("ServiceIsolationIT: change %d reached the file in %d ms%n", i,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
            assertThat(health.unreadable().failures()).isGreaterThanOrEqualTo(unreadable.size());

            JsonNode status = app.httpGet("/status").requireOk().json();
            assertThat(status.at("/health/status").asText()).isEqualTo("DEGRADED");
            List<String> listed = StreamSupport.stream(status.at("/consul/unreadableServices").spliterator(), false)
                    .map(e -> e.path("service").asText()).toList();
            assertThat(listed).containsAll(unreadable);

            ConsulHttp.Response ready = app.httpGet("/observe/health?exposureLevel=full&data=true");
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).contains("degraded").contains("cannot serve back");

            String metrics = app.httpGet("/observe/metrics").requireOk().body();
            assertThat(metrics).containsPattern("lbsync_unreadable_services(\\{[^}]*\\})? [1-9]");
        }
    }
}
