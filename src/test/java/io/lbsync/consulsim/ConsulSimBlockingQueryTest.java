package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** ?index/?wait semantics: immediate on a stale index, wait + jitter when nothing changes, early wake per index. */
class ConsulSimBlockingQueryTest {
    private static final long WAIT_MS = 1_000;
    /** wait + wait/16 jitter + scheduling slack */
    private static final long MAX_BLOCK_MS = WAIT_MS + WAIT_MS / 16 + 700;

    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String id, String name, String tagsJson, String checksJson) {
        http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Tags\":" + tagsJson
                + ",\"Port\":80" + (checksJson == null ? "" : ",\"Checks\":" + checksJson) + "}").requireOk();
    }

    /** A blocking GET running in the background; records how long it blocked. */
    private record Timed(ConsulHttp.Response response, long millis) {
    }

    private CompletableFuture<Timed> blockingGet(String pathWithQuery) {
        return CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            ConsulHttp.Response r = http.get(pathWithQuery, Duration.ofSeconds(30));
            return new Timed(r, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        });
    }

    private static String sep(String path) {
        return path.contains("?") ? "&" : "?";
    }

    private Timed blockAndAct(String path, long index, String wait, Runnable action) throws Exception {
        CompletableFuture<Timed> f = blockingGet(path + sep(path) + "index=" + index + "&wait=" + wait);
        Thread.sleep(250);
        action.run();
        return f.get(15, TimeUnit.SECONDS);
    }

    @Test
    void staleIndexAnswersAtOnce() {
        String name = unique("stale");
        register(name, name, "[]", null);
        ConsulHttp.Response first = http.get("/v1/health/service/" + name).requireOk();
        long t0 = System.nanoTime();
        ConsulHttp.Response again = http.get("/v1/health/service/" + name + "?index=" + (first.index() - 1) + "&wait=5s");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
        assertThat(again.index()).isEqualTo(first.index());
    }

    @Test
    void unchangedDataBlocksForWaitPlusJitterThenReturnsTheSameIndex() throws Exception {
        String name = unique("idle");
        register(name, name, "[]", null);
        long index = http.get("/v1/health/service/" + name).requireOk().index();
        Timed t = blockingGet("/v1/health/service/" + name + "?index=" + index + "&wait=1s").get(10, TimeUnit.SECONDS);
        assertThat(t.response().status()).isEqualTo(200);
        assertThat(t.response().index()).isEqualTo(index);
        assertThat(t.millis()).isBetween(WAIT_MS - 50, MAX_BLOCK_MS);
    }

    @Test
    void aChangeWakesTheQueryEarlyWithAHigherIndex() throws Exception {
        String name = unique("wake");
        register(name + "-1", name, "[]", null);
        long index = http.get("/v1/health/service/" + name).requireOk().index();
        Timed t = blockAndAct("/v1/health/service/" + name, index, "10s", () -> register(name + "-2", name, "[]", null));
        assertThat(t.millis()).isLessThan(5_000);
        assertThat(t.response().index()).isGreaterThan(index);
        assertThat(t.response().json()).hasSize(2);
    }

    @Test
    void catalogServicesWakesOnANewInstanceEvenThoughItsBodyIsUnchanged() throws Exception {
        String name = unique("same");
        register(name + "-1", name, "[\"t\"]", null);
        ConsulHttp.Response before = http.get("/v1/catalog/services").requireOk();
        Timed t = blockAndAct("/v1/catalog/services", before.index(), "10s", () -> register(name + "-2", name, "[\"t\"]", null));
        assertThat(t.millis()).isLessThan(5_000);
        assertThat(t.response().index()).isGreaterThan(before.index());
        assertThat(t.response().json().get(name)).isEqualTo(before.json().get(name));
    }

    @Test
    void healthOfOneServiceIsNotWokenByAnotherService() throws Exception {
        String x = unique("x");
        String y = unique("y");
        register(x, x, "[]", null);
        register(y, y, "[]", null);
        long index = http.get("/v1/health/service/" + x).requireOk().index();
        Timed t = blockAndAct("/v1/health/service/" + x, index, "1s", () -> register(y + "-2", y, "[]", null));
        assertThat(t.millis()).isGreaterThanOrEqualTo(WAIT_MS - 50);
        assertThat(t.response().index()).isEqualTo(index);
    }

    @Test
    void aCheckStatusChangeDoesNotWakeCatalogServicesButWakesHealth() throws Exception {
        String name = unique("chk");
        register(name, name, "[]", "[{\"CheckID\":\"" + name + "-ttl\",\"TTL\":\"30s\",\"Status\":\"critical\"}]");
        long servicesIndex = http.get("/v1/catalog/services").requireOk().index();
        Timed t = blockAndAct("/v1/catalog/services", servicesIndex, "1s",
                () -> http.passCheck(node, name + "-ttl", "ok").requireOk());
        assertThat(t.millis()).isGreaterThanOrEqualTo(WAIT_MS - 50);
        assertThat(t.response().index()).isEqualTo(servicesIndex);

        long healthIndex = http.get("/v1/health/service/" + name).requireOk().index();
        Timed h = blockAndAct("/v1/health/service/" + name, healthIndex, "10s",
                () -> http.failCheck(node, name + "-ttl", "down").requireOk());
        assertThat(h.millis()).isLessThan(5_000);
        JsonNode checks = h.response().json().get(0).path("Checks");
        assertThat(checks.findValuesAsText("Status")).contains("critical");
    }

    @Test
    void invalidWaitIs400AndIndexIsNeverZero() {
        ConsulHttp.Response r = http.get("/v1/catalog/services?index=1&wait=forever");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("Invalid wait time");
        assertThat(http.get("/v1/health/service/" + unique("nothing")).index()).isGreaterThanOrEqualTo(1);
        assertThat(http.get("/v1/catalog/services?stale").requireOk().index()).isGreaterThanOrEqualTo(1);
    }
}
