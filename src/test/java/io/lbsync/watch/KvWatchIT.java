package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.model.KvSnapshot;
import io.lbsync.testsupport.ConsulTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** consul-watch:kv against Consul (the simulator, or a real one with CONSUL_HTTP_ADDR). */
class KvWatchIT {
    private ConsulTestCluster cluster;
    private CamelContext camel;
    private final List<KvSnapshot> snapshots = new CopyOnWriteArrayList<>();
    private final String prefix = ConsulTestCluster.unique("kvtest") + "/";

    @BeforeEach
    void start() throws Exception {
        cluster = ConsulTestCluster.start("node-1");
        camel = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("lbsync.consul.url", cluster.url());
        String token = cluster.token();
        if (token != null) {
            p.setProperty("lbsync.consul.token", token);
        }
        p.setProperty("lbsync.consul.wait", "5s");
        camel.getPropertiesComponent().setInitialProperties(p);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("consul-watch:kv?prefix=" + prefix).process(e -> snapshots.add(e.getMessage().getBody(KvSnapshot.class)));
            }
        });
        camel.start();
        // an empty prefix answers 404, which is still a complete (empty) first sync
        await().atMost(Duration.ofSeconds(10)).until(() -> !snapshots.isEmpty());
        assertThat(last().entries()).isEmpty();
    }

    @AfterEach
    void stop() {
        camel.stop();
        if (cluster != null) {
            cluster.close();
        }
    }

    private KvSnapshot last() {
        return snapshots.get(snapshots.size() - 1);
    }

    @Test
    void putsChangesAndDeletesArriveAsWholeSubtrees() {
        cluster.http().kvPut(prefix + "sites/a", "{\"listen\": 1}");
        await().atMost(Duration.ofSeconds(10)).until(() -> last().entries().containsKey("sites/a"));
        cluster.http().kvPut(prefix + "sites/b", "ünïcode value");
        await().atMost(Duration.ofSeconds(10)).until(() -> last().entries().size() == 2);
        assertThat(last().entries()).containsEntry("sites/b", "ünïcode value");
        cluster.http().kvDelete(prefix + "sites/a", false).requireOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> last().entries().equals(Map.of("sites/b", "ünïcode value")));
    }

    @Test
    void rewritingTheSameValueAndOtherPrefixesAreNotChanges() throws Exception {
        cluster.http().kvPut(prefix + "k", "v");
        await().atMost(Duration.ofSeconds(10)).until(() -> last().entries().containsKey("k"));
        int count = snapshots.size();
        cluster.http().kvPut(prefix + "k", "v");
        cluster.http().kvPut(ConsulTestCluster.unique("elsewhere") + "/k", "v");
        Thread.sleep(1500);
        assertThat(snapshots).hasSize(count);
    }
}
