package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
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

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /v1/session/*: defaults, body fields, Consul's error answers, renew/destroy and blocking reads. */
class ConsulSimSessionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String nodeA;
    private String nodeB;
    private final List<String> created = new ArrayList<>();

    @BeforeEach
    void start() {
        // a node deregistered from the catalog comes back by anti-entropy: a cluster where that can be triggered
        cluster = ConsulTestCluster.startWithFastAntiEntropy("node-a", "node-b");
        http = cluster.http();
        nodeA = cluster.nodes().get(0);
        nodeB = cluster.nodes().get(1);
    }

    @AfterEach
    void stop() {
        created.forEach(id -> http.put("/v1/session/destroy/" + id, ""));
        if (cluster != null) {
            cluster.close();
        }
    }

    private String create(String agentNode, String body) {
        ConsulHttp.Response r = http.send("PUT", cluster.agentUrl(agentNode) + "/v1/session/create", body, TIMEOUT).requireOk();
        String id = r.json().path("ID").asText();
        created.add(id);
        return id;
    }

    private JsonNode info(String id) {
        return http.get("/v1/session/info/" + id).requireOk().json();
    }

    /** The text of a server-side error as the agent at nodeA answers it. */
    private String rpcError(String message) {
        return cluster.rpcError(nodeA, message);
    }

    private ConsulHttp.Response createFails(String body) {
        ConsulHttp.Response r = http.send("PUT", cluster.agentUrl(nodeA) + "/v1/session/create", body, TIMEOUT);
        assertThat(r.status()).as(body).isNotEqualTo(200);
        return r;
    }

    @Test
    void createWithoutBodyUsesTheAgentsNodeSerfHealthAndFifteenSecondsLockDelay() {
        ConsulHttp.Response r = http.send("PUT", cluster.agentUrl(nodeA) + "/v1/session/create", "", TIMEOUT).requireOk();
        assertThat(r.json().size()).isEqualTo(1);
        String id = r.json().path("ID").asText();
        created.add(id);
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

        ConsulHttp.Response read = http.get("/v1/session/info/" + id).requireOk();
        assertThat(read.json()).hasSize(1);
        JsonNode s = read.json().get(0);
        List<String> fields = new ArrayList<>();
        s.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("ID", "Name", "Node", "LockDelay", "Behavior", "TTL", "NodeChecks",
                "ServiceChecks", "CreateIndex", "ModifyIndex");
        assertThat(s.path("ID").asText()).isEqualTo(id);
        assertThat(s.path("Name").asText()).isEmpty();
        assertThat(s.path("Node").asText()).isEqualTo(nodeA);
        assertThat(s.path("LockDelay").asLong()).isEqualTo(15_000_000_000L);
        assertThat(s.path("Behavior").asText()).isEqualTo("release");
        assertThat(s.path("TTL").asText()).isEmpty();
        assertThat(s.path("NodeChecks").toString()).isEqualTo("[\"serfHealth\"]");
        assertThat(s.path("ServiceChecks").isNull()).isTrue();
        assertThat(s.path("ModifyIndex").asLong()).isEqualTo(s.path("CreateIndex").asLong());
        assertThat(read.index()).isGreaterThanOrEqualTo(s.path("CreateIndex").asLong());
        assertThat(read.header("X-Consul-KnownLeader")).isEqualTo("true");

        String onB = create(nodeB, "");
        assertThat(info(onB).get(0).path("Node").asText()).isEqualTo(nodeB);
        assertThat(http.get("/v1/session/node/" + nodeB).requireOk().json().findValuesAsText("ID")).containsExactly(onB);
        assertThat(http.get("/v1/session/list").requireOk().json().findValuesAsText("ID")).contains(id, onB);
    }

    @Test
    void bodyFieldsAreReadLikeConsulDoes() {
        String id = create(nodeA, "{\"Name\":\"leader\",\"Node\":\"" + nodeB + "\",\"LockDelay\":\"1s\","
                + "\"Behavior\":\"delete\",\"TTL\":\"30s\"}");
        JsonNode s = info(id).get(0);
        assertThat(s.path("Name").asText()).isEqualTo("leader");
        assertThat(s.path("Node").asText()).isEqualTo(nodeB);
        assertThat(s.path("LockDelay").asLong()).isEqualTo(1_000_000_000L);
        assertThat(s.path("Behavior").asText()).isEqualTo("delete");
        assertThat(s.path("TTL").asText()).isEqualTo("30s");

        // A number is nanoseconds, but below 1000 Consul takes it as seconds.
        assertThat(info(create(nodeA, "{\"LockDelay\":5}")).get(0).path("LockDelay").asLong()).isEqualTo(5_000_000_000L);
        assertThat(info(create(nodeA, "{\"LockDelay\":2500000000}")).get(0).path("LockDelay").asLong()).isEqualTo(2_500_000_000L);
        assertThat(info(create(nodeA, "{\"LockDelay\":\"0s\"}")).get(0).path("LockDelay").asLong()).isZero();

        // NodeChecks [] or the pre-1.7 Checks [] make a session bound to no check at all.
        assertThat(info(create(nodeA, "{\"NodeChecks\":[]}")).get(0).path("NodeChecks").toString()).isEqualTo("[]");
        JsonNode noChecks = info(create(nodeA, "{\"Checks\":[]}")).get(0);
        assertThat(noChecks.path("NodeChecks").toString()).isEqualTo("[]");
        assertThat(noChecks.has("Checks")).isFalse();
    }

    @Test
    void serviceChecksAndLegacyChecksBindTheSessionToThoseChecks() {
        String name = unique("locked");
        http.registerService(nodeA, "{\"ID\":\"" + name + "\",\"Name\":\"" + name + "\",\"Checks\":[{\"CheckID\":\""
                + name + "-ttl\",\"TTL\":\"60s\",\"Status\":\"passing\"}]}").requireOk();
        await().atMost(cluster.antiEntropyTimeout()).until(() ->
                http.get("/v1/health/checks/" + name).json().findValuesAsText("CheckID").contains(name + "-ttl"));

        JsonNode s = info(create(nodeA, "{\"ServiceChecks\":[{\"ID\":\"" + name + "-ttl\"}]}")).get(0);
        assertThat(s.path("NodeChecks").toString()).isEqualTo("[\"serfHealth\"]");
        assertThat(s.path("ServiceChecks").toString()).isEqualTo("[{\"ID\":\"" + name + "-ttl\",\"Namespace\":\"\"}]");

        JsonNode legacy = info(create(nodeA, "{\"Checks\":[\"serfHealth\",\"" + name + "-ttl\"]}")).get(0);
        assertThat(legacy.path("Checks").toString()).isEqualTo("[\"serfHealth\",\"" + name + "-ttl\"]");
        assertThat(legacy.path("NodeChecks").toString()).isEqualTo("[\"serfHealth\"]");

        // A check turning critical invalidates every session bound to it.
        String bound = create(nodeA, "{\"NodeChecks\":[],\"ServiceChecks\":[{\"ID\":\"" + name + "-ttl\"}]}");
        String unbound = create(nodeA, "");
        http.failCheck(nodeA, name + "-ttl", "down").requireOk();
        await().atMost(cluster.antiEntropyTimeout()).until(() -> info(bound).isEmpty());
        assertThat(info(unbound)).hasSize(1);
    }

    @Test
    void invalidCreatesGetConsulsStatusAndText() {
        // Body decoding fails at the HTTP layer (400); everything else fails behind the RPC layer (500).
        assertThat(createFails("{").status()).isEqualTo(400);
        assertThat(createFails("{").body()).startsWith("Request decode failed: ");
        ConsulHttp.Response delay = createFails("{\"LockDelay\":\"soon\"}");
        assertThat(delay.status()).isEqualTo(400);
        assertThat(delay.body()).isEqualTo("Request decode failed: time: invalid duration \"soon\"");

        ConsulHttp.Response behavior = createFails("{\"Behavior\":\"keep\"}");
        assertThat(behavior.status()).isEqualTo(500);
        assertThat(behavior.body()).isEqualTo(rpcError("Invalid Behavior setting 'keep'"));
        ConsulHttp.Response shortTtl = createFails("{\"TTL\":\"5s\"}");
        assertThat(shortTtl.status()).isEqualTo(500);
        assertThat(shortTtl.body()).isEqualTo(rpcError("Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"));
        assertThat(createFails("{\"TTL\":\"25h\"}").body())
                .isEqualTo(rpcError("Invalid Session TTL '90000000000000', must be between [10s=24h0m0s]"));
        assertThat(createFails("{\"TTL\":\"soon\"}").body())
                .isEqualTo(rpcError("Session TTL 'soon' invalid: time: invalid duration \"soon\""));
        assertThat(createFails("{\"Node\":\"" + unique("nowhere") + "\"}").body()).isEqualTo(rpcError("Missing node registration"));
        assertThat(createFails("{\"Node\":\"\"}").body()).isEqualTo(rpcError("Must provide Node"));
        assertThat(createFails("{\"NodeChecks\":[\"nope\"]}").body()).isEqualTo(rpcError("Missing check 'nope' registration"));

        String name = unique("down");
        http.registerService(nodeA, "{\"ID\":\"" + name + "\",\"Name\":\"" + name + "\",\"Checks\":[{\"CheckID\":\""
                + name + "-ttl\",\"TTL\":\"60s\"}]}").requireOk();
        await().atMost(cluster.antiEntropyTimeout()).until(() ->
                http.get("/v1/health/checks/" + name).json().findValuesAsText("CheckID").contains(name + "-ttl"));
        ConsulHttp.Response critical = createFails("{\"NodeChecks\":[\"" + name + "-ttl\"]}");
        assertThat(critical.status()).isEqualTo(500);
        assertThat(critical.body()).isEqualTo(rpcError("Check '" + name + "-ttl' is in critical state"));

        assertThat(http.get("/v1/session/create").status()).isEqualTo(405);
        assertThat(http.put("/v1/session/list", "").status()).isEqualTo(405);
        assertThat(http.get("/v1/session/info/").body()).isEqualTo("Missing session");
        assertThat(http.put("/v1/session/renew/", "").body()).isEqualTo("Missing session");
        assertThat(http.put("/v1/session/destroy/", "").status()).isEqualTo(400);
        assertThat(http.get("/v1/session/node/").body()).isEqualTo("Missing node name");
    }

    @Test
    void renewAnswersTheSessionDestroyRemovesItAndUnknownIdsAreNotErrors() {
        String id = create(nodeA, "{\"TTL\":\"10s\"}");
        ConsulHttp.Response renewed = http.put("/v1/session/renew/" + id, "").requireOk();
        assertThat(renewed.json()).hasSize(1);
        assertThat(renewed.json().get(0).path("ID").asText()).isEqualTo(id);
        assertThat(renewed.json().get(0).path("TTL").asText()).isEqualTo("10s");
        assertThat(renewed.header("X-Consul-Index")).isNull();

        assertThat(http.put("/v1/session/destroy/" + id, "").requireOk().body()).isEqualTo("true");
        ConsulHttp.Response gone = http.get("/v1/session/info/" + id).requireOk();
        assertThat(gone.body()).isEqualTo("[]");
        assertThat(gone.index()).isGreaterThanOrEqualTo(1);
        ConsulHttp.Response renewGone = http.put("/v1/session/renew/" + id, "");
        assertThat(renewGone.status()).isEqualTo(404);
        assertThat(renewGone.body()).isEqualTo("Session id '" + id + "' not found");
        assertThat(http.put("/v1/session/destroy/" + id, "").requireOk().body()).isEqualTo("true");
        assertThat(http.get("/v1/session/list").requireOk().json().findValuesAsText("ID")).doesNotContain(id);
    }

    @Test
    void aNodeLeavingTheCatalogTakesItsSessionsAlong() {
        String node = cluster.nodes().get(cluster.nodes().size() - 1);
        String id = create(node, "");
        http.put("/v1/catalog/deregister", "{\"Node\":\"" + node + "\"}").requireOk();
        assertThat(info(id)).isEmpty();
        // the agent puts its node back by anti-entropy (the shared cluster needs it)
        cluster.triggerAntiEntropy();
        await().atMost(cluster.antiEntropyTimeout()).until(() -> http.get("/v1/catalog/node/" + node).json().path("Node").isObject());
    }

    /** A blocking GET running in the background; records how long it blocked. */
    private record Timed(ConsulHttp.Response response, long millis) {
    }

    private Timed blockAndAct(String path, long index, String wait, Runnable action) throws Exception {
        CompletableFuture<Timed> f = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            ConsulHttp.Response r = http.get(path + "?index=" + index + "&wait=" + wait, TIMEOUT);
            return new Timed(r, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        });
        Thread.sleep(250);
        action.run();
        return f.get(15, TimeUnit.SECONDS);
    }

    @Test
    void infoAndNodeReadsWakeOnlyForTheirOwnSessionsWhileListWakesForAny() throws Exception {
        String mine = create(nodeA, "");
        long index = http.get("/v1/session/list").requireOk().index();

        Timed list = blockAndAct("/v1/session/list", index, "10s", () -> create(nodeB, ""));
        assertThat(list.millis()).isLessThan(5_000);
        assertThat(list.response().index()).isGreaterThan(index);

        long infoIndex = http.get("/v1/session/info/" + mine).index();
        Timed info = blockAndAct("/v1/session/info/" + mine, infoIndex, "1s", () -> create(nodeB, ""));
        assertThat(info.millis()).isGreaterThanOrEqualTo(950);
        assertThat(info.response().json()).hasSize(1);
        long nodeIndex = http.get("/v1/session/node/" + nodeA).index();
        Timed node = blockAndAct("/v1/session/node/" + nodeA, nodeIndex, "1s", () -> create(nodeB, ""));
        assertThat(node.millis()).isGreaterThanOrEqualTo(950);
        Timed nodeWoken = blockAndAct("/v1/session/node/" + nodeA, http.get("/v1/session/node/" + nodeA).index(), "10s",
                () -> create(nodeA, ""));
        assertThat(nodeWoken.millis()).isLessThan(5_000);
        assertThat(nodeWoken.response().json()).hasSize(2);

        long later = http.get("/v1/session/info/" + mine).index();
        Timed destroyed = blockAndAct("/v1/session/info/" + mine, later, "10s",
                () -> http.put("/v1/session/destroy/" + mine, "").requireOk());
        assertThat(destroyed.millis()).isLessThan(5_000);
        assertThat(destroyed.response().body()).isEqualTo("[]");
        assertThat(destroyed.response().index()).isGreaterThan(later);
    }

    /** A simulator whose sessions may have short TTLs (Consul's session_ttl_min lowered to 100ms). */
    private static ConsulTestCluster fastTtlCluster() {
        return ConsulTestCluster.simulated(ConsulSimulator.builder().sessionTtlMinimum(Duration.ofMillis(100)), null);
    }

    @Test
    void theTtlMinimumIsConsulsSessionTtlMinSetting() {
        try (ConsulTestCluster fast = fastTtlCluster()) {
            ConsulHttp.Response r = fast.http().put("/v1/session/create", "{\"TTL\":\"50ms\"}");
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.body()).isEqualTo("Invalid Session TTL '50000000', must be between [100ms=24h0m0s]");
            fast.http().put("/v1/session/create", "{\"TTL\":\"100ms\"}").requireOk();
        }
    }

    @Test
    void aSessionNotRenewedWithinTwiceItsTtlIsInvalidated() throws Exception {
        try (ConsulTestCluster fast = fastTtlCluster()) {
            ConsulHttp h = fast.http();
            String id = h.put("/v1/session/create", "{\"TTL\":\"500ms\"}").requireOk().json().path("ID").asText();
            // Renewing every 300 ms keeps it well past its 1 s deadline.
            for (int i = 0; i < 5; i++) {
                Thread.sleep(300);
                h.put("/v1/session/renew/" + id, "").requireOk();
            }
            Thread.sleep(400);
            assertThat(h.get("/v1/session/info/" + id).json()).hasSize(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> h.get("/v1/session/info/" + id).body().equals("[]"));
            assertThat(h.put("/v1/session/renew/" + id, "").status()).isEqualTo(404);
        }
    }

    @Test
    void sessionsKeepExpiringWhileTheSimulatorIsStopped() throws Exception {
        try (ConsulTestCluster fast = fastTtlCluster()) {
            ConsulHttp h = fast.http();
            String ttl = h.put("/v1/session/create", "{\"TTL\":\"200ms\"}").requireOk().json().path("ID").asText();
            String lasting = h.put("/v1/session/create", "").requireOk().json().path("ID").asText();
            fast.stopConsul();
            Thread.sleep(1_000);
            fast.startConsul();
            assertThat(h.get("/v1/session/info/" + ttl).body()).isEqualTo("[]");
            assertThat(h.get("/v1/session/info/" + lasting).json()).hasSize(1);
        }
    }
}
