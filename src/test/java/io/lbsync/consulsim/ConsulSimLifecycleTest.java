package io.lbsync.consulsim;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** stop() refuses connections and drops long polls; start() comes back on the same port with the same state. */
class ConsulSimLifecycleTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1", "node-2");
        cluster.assumeSimulator("the simulator's own stop()/start()");
        http = cluster.http();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void stopRefusesConnectionsAndStartRestoresSamePortsAndState() {
        String url = cluster.url();
        String secondUrl = cluster.agentUrl("node-2");
        http.registerService("node-2", "{\"Name\":\"keep\",\"Port\":1}").requireOk();
        http.kvPut("life/key", "v");
        long index = http.get("/v1/catalog/services").index();

        cluster.stopConsul();
        assertThatThrownBy(() -> http.get("/v1/catalog/services"))
                .isInstanceOf(UncheckedIOException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(c -> c instanceof ConnectException));

        cluster.startConsul();
        assertThat(cluster.simulator().url()).isEqualTo(url);
        assertThat(cluster.simulator().agentUrl("node-2")).isEqualTo(secondUrl);
        ConsulHttp.Response services = http.get("/v1/catalog/services").requireOk();
        assertThat(services.json().has("keep")).isTrue();
        assertThat(services.index()).isEqualTo(index);
        assertThat(http.getFrom("node-2", "/v1/agent/services").json().has("keep")).isTrue();
        assertThat(http.get("/v1/kv/life/key?raw").body()).isEqualTo("v");
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable c = t; c != null && !out.contains(c); c = c.getCause()) {
            out.add(c);
        }
        return out;
    }

    @Test
    void stopDropsBlockingQueriesInFlight() throws Exception {
        long index = http.get("/v1/catalog/services").index();
        CompletableFuture<ConsulHttp.Response> poll = CompletableFuture.supplyAsync(
                () -> http.get("/v1/catalog/services?index=" + index + "&wait=30s"));
        Thread.sleep(300);
        long t0 = System.nanoTime();
        cluster.stopConsul();
        assertThatThrownBy(() -> poll.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(5);
    }
}
