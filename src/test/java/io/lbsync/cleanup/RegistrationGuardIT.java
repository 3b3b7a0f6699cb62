package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registration guard answers Consul's register/deregister calls the way clients behind a load balancer
 * send them, and leaves one copy per service ID. Runs unchanged against a real Consul with three agents.
 */
class RegistrationGuardIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private final String service = ConsulTestCluster.unique("guarded");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.startWithDistinctNodeAddresses("node-1", "node-2", "node-3");
        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true); // only the guard acts
        p.put("lbsync.registration-guard.enabled", "true");
        app = LbsyncApp.start(p);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
        }
        if (cluster != null) {
            cluster.deregisterEverywhere(service); // registered through the guard: not tracked by the test's client
            cluster.close();
        }
    }

    private String body(String id, String address) {
        return "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"" + address + "\",\"Port\":8080}";
    }

    private List<String> catalogNodes(String id) {
        return cluster.catalogNodes(service, id);
    }

    private long watchedCopies(String id) {
        io.lbsync.model.ConsulState state = app.camel().getRegistry().lookupByNameAndType("consulState",
                io.lbsync.model.ConsulStateStore.class).current();
        io.lbsync.model.ServiceInstances s = state == null ? null : state.catalog().services().get(service);
        return s == null ? 0 : s.instances().stream().filter(i -> i.id().equals(id)).count();
    }

    private ConsulHttp.Response registerThroughGuard(String json) {
        return app.http("PUT", "/v1/agent/service/register", json);
    }

    @Test
    void registeringOneIdTwiceThroughTheGuardLeavesExactlyOneCopy() {
        String id = service + "-1";
        // an earlier registration that went straight to some agent through the load balancer
        String stray = cluster.nodes().get(2);
        cluster.http().registerService(stray, body(id, "192.168.77.1")).requireOk();

        ConsulHttp.Response first = registerThroughGuard(body(id, "192.168.77.1"));
        ConsulHttp.Response second = registerThroughGuard(body(id, "192.168.77.1"));

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        String chosen = first.header("X-Lbsync-Agent");
        assertThat(second.header("X-Lbsync-Agent")).isEqualTo(chosen);
        await().atMost(TIMEOUT).until(() -> catalogNodes(id).equals(List.of(chosen)));
    }

    @Test
    void anInstanceIsRegisteredOnTheAgentOfItsOwnHost() {
        String id = service + "-2";
        String home = cluster.nodes().get(1);
        assertThat(registerThroughGuard(body(id, cluster.nodeAddress(home))).status()).isEqualTo(200);
        await().atMost(TIMEOUT).until(() -> catalogNodes(id).equals(List.of(home)));
    }

    @Test
    void deregisteringThroughTheGuardRemovesTheIdFromEveryAgent() {
        String id = service + "-3";
        for (String node : cluster.nodes().subList(0, 2)) {
            cluster.http().registerService(node, body(id, "192.168.77.3")).requireOk();
        }
        // the guard finds the copies in the watched catalog
        await().atMost(TIMEOUT).until(() -> watchedCopies(id) == 2);
        assertThat(app.http("PUT", "/v1/agent/service/deregister/" + id, "").status()).isEqualTo(200);
        await().atMost(TIMEOUT).until(() -> catalogNodes(id).isEmpty());
    }

    @Test
    void aBodyThatIsNotAServiceDefinitionIsRefusedWithConsulsStatus() {
        ConsulHttp.Response r = registerThroughGuard("{\"ID\":\"no-name\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("Missing service name");
    }
}
