package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.testsupport.ConsulTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The consul-watch endpoint against Consul (the simulator, or a real one with CONSUL_HTTP_ADDR). */
class ConsulWatchIT {
    private ConsulTestCluster cluster;
    private CamelContext camel;
    private final List<CatalogSnapshot> snapshots = new CopyOnWriteArrayList<>();
    private final String service = ConsulTestCluster.unique("watched");

    @BeforeEach
    void start() throws Exception {
        cluster = ConsulTestCluster.start("node-1", "node-2");
        camel = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("lbsync.consul.url", cluster.url());
        if (cluster.token() != null) {
            p.setProperty("lbsync.consul.token", cluster.token());
        }
        p.setProperty("lbsync.consul.wait", "5s");
        camel.getPropertiesComponent().setInitialProperties(p);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("consul-watch:catalog?services=" + service + "&backoffInitial=100ms&backoffMax=500ms")
                        .process(e -> snapshots.add(e.getMessage().getBody(CatalogSnapshot.class)));
            }
        });
        camel.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !snapshots.isEmpty()); // first full sync, even when empty
    }

    @AfterEach
    void stop() {
        camel.stop();
        if (cluster != null) {
            cluster.close();
        }
    }

    private String register(String node, String id, int port) {
        cluster.http().registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + service + "\",\"Address\":\"127.0.0.1\","
                + "\"Port\":" + port + ",\"Check\":{\"CheckID\":\"check-" + id + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}")
                .requireOk();
        return "check-" + id;
    }

    private List<ServiceInstance> latest() {
        CatalogSnapshot last = snapshots.get(snapshots.size() - 1);
        return last.services().containsKey(service) ? last.services().get(service).instances() : List.of();
    }

    private void quietFor(Duration d, int expectedCount) throws InterruptedException {
        Thread.sleep(d.toMillis());
        assertThat(snapshots).hasSize(expectedCount);
    }

    @Test
    void registrationHealthAndDeregistrationEachGiveOneSnapshot() throws Exception {
        String node = cluster.nodes().get(0);
        String id = ConsulTestCluster.unique("i");
        String check = register(node, id, 9001);
        await().atMost(Duration.ofSeconds(10)).until(() -> latest().size() == 1 && latest().get(0).passing());

        int count = snapshots.size();
        cluster.http().failCheck(node, check, "down").requireOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> snapshots.size() > count);
        assertThat(latest().get(0).status()).isEqualTo(HealthStatus.CRITICAL);

        int afterFail = snapshots.size();
        cluster.http().deregisterService(node, id).requireOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> snapshots.size() > afterFail);
        assertThat(latest()).isEmpty();
    }

    @Test
    void checkOutputTextAloneIsNotAChange() throws Exception {
        String node = cluster.nodes().get(0);
        String check = register(node, ConsulTestCluster.unique("i"), 9002);
        await().atMost(Duration.ofSeconds(10)).until(() -> latest().size() == 1 && latest().get(0).passing());
        int count = snapshots.size();
        for (int i = 0; i < 5; i++) {
            cluster.http().passCheck(node, check, "still fine, round " + i).requireOk();
        }
        quietFor(Duration.ofSeconds(2), count);
    }

    @Test
    void otherServicesDoNotWakeAFilteredWatch() throws Exception {
        int count = snapshots.size();
        String other = ConsulTestCluster.unique("other");
        cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"" + other + "\",\"Name\":\"" + other + "\",\"Port\":80}")
                .requireOk();
        quietFor(Duration.ofSeconds(2), count);
    }

    @Test
    void theSameIdOnTwoNodesIsTwoInstances() throws Exception {
        String id = ConsulTestCluster.unique("dup");
        register(cluster.nodes().get(0), id, 9003);
        if (cluster.nodes().size() > 1) {
            register(cluster.nodes().get(1), id, 9003);
            await().atMost(Duration.ofSeconds(10)).until(() -> latest().size() == 2);
            assertThat(latest()).extracting(ServiceInstance::node).containsExactlyElementsOf(cluster.nodes().subList(0, 2));
        }
    }

    @Test
    void keepsRetryingWhileConsulIsDownAndCatchesUpAlone() throws Exception {
        int count = snapshots.size();
        cluster.stopConsul();
        quietFor(Duration.ofSeconds(3), count); // no empty snapshot while Consul is unreachable
        cluster.startConsul();
        register(cluster.nodes().get(0), ConsulTestCluster.unique("back"), 9004);
        await().atMost(Duration.ofSeconds(15)).until(() -> latest().size() == 1);
    }
}
