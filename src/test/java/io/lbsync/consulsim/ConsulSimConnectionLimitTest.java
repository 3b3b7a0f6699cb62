package io.lbsync.consulsim;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** http_max_conns_per_client: requests beyond the cap get 429 and are not counted (simulator-only setup). */
class ConsulSimConnectionLimitTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().maxConnectionsPerClient(3), null);
        http = cluster.http();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void requestsBeyondTheCapAre429UntilLongPollsReturn() throws Exception {
        ConsulSimulator sim = cluster.simulator();
        long index = http.get("/v1/catalog/services").requireOk().index();
        List<CompletableFuture<ConsulHttp.Response>> polls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            polls.add(CompletableFuture.supplyAsync(() -> http.get("/v1/catalog/services?index=" + index + "&wait=20s")));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.activeConnections("127.0.0.1") == 3);

        ConsulHttp.Response refused = http.get("/v1/catalog/nodes");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.body()).contains("Your IP is issuing too many concurrent connections, please rate limit your calls");
        assertThat(sim.activeConnections("127.0.0.1")).isEqualTo(3);

        sim.registerService("node-1", ServiceDefinition.of("", "wake-up", "", 80));
        for (CompletableFuture<ConsulHttp.Response> p : polls) {
            assertThat(p.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.activeConnections("127.0.0.1") == 0);
        assertThat(http.get("/v1/catalog/nodes").status()).isEqualTo(200);
        assertThat(sim.requestCount()).isGreaterThanOrEqualTo(6);
    }
}
