package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** KV locks: ?acquire / ?release, what session invalidation does to held keys, and the lock-delay. */
class ConsulSimKvLockTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String root;
    private final List<String> sessions = new ArrayList<>();

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        root = unique("lbsync-lock") + "/";
    }

    @AfterEach
    void stop() {
        sessions.forEach(id -> http.put("/v1/session/destroy/" + id, ""));
        http.kvDelete(root, true);
        if (cluster != null) {
            cluster.close();
        }
    }

    private String session(String body) {
        String id = http.put("/v1/session/create", body).requireOk().json().path("ID").asText();
        sessions.add(id);
        return id;
    }

    private String acquire(String key, String session, String value) {
        return http.put("/v1/kv/" + root + key + "?acquire=" + session, value).requireOk().body();
    }

    private String release(String key, String session, String value) {
        return http.put("/v1/kv/" + root + key + "?release=" + session, value).requireOk().body();
    }

    private JsonNode entry(String key) {
        return http.get("/v1/kv/" + root + key).requireOk().json().get(0);
    }

    private static String text(JsonNode entry) {
        return entry.path("Value").isNull() ? null
                : new String(Base64.getDecoder().decode(entry.path("Value").asText()), StandardCharsets.UTF_8);
    }

    @Test
    void aFreeKeyIsAcquiredOnceAndReleasedByItsHolderOnly() {
        String one = session("{\"LockDelay\":\"0s\"}");
        String two = session("{\"LockDelay\":\"0s\"}");

        assertThat(acquire("leader", one, "one")).isEqualTo("true");
        JsonNode held = entry("leader");
        assertThat(held.path("Session").asText()).isEqualTo(one);
        assertThat(held.path("LockIndex").asLong()).isEqualTo(1);
        assertThat(text(held)).isEqualTo("one");
        List<String> fields = new ArrayList<>();
        held.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("LockIndex", "Key", "Flags", "Value", "Session", "CreateIndex", "ModifyIndex");

        assertThat(acquire("leader", two, "two")).isEqualTo("false");
        assertThat(text(entry("leader"))).isEqualTo("one");

        // The holder may acquire again: the value changes, LockIndex does not; the same value changes nothing.
        assertThat(acquire("leader", one, "one again")).isEqualTo("true");
        JsonNode updated = entry("leader");
        assertThat(updated.path("LockIndex").asLong()).isEqualTo(1);
        assertThat(text(updated)).isEqualTo("one again");
        assertThat(updated.path("ModifyIndex").asLong()).isGreaterThan(held.path("ModifyIndex").asLong());
        assertThat(acquire("leader", one, "one again")).isEqualTo("true");
        assertThat(entry("leader").path("ModifyIndex").asLong()).isEqualTo(updated.path("ModifyIndex").asLong());

        assertThat(release("leader", two, "")).isEqualTo("false");
        assertThat(release("leader", one, "")).isEqualTo("true");
        JsonNode free = entry("leader");
        assertThat(free.has("Session")).isFalse();
        assertThat(free.path("LockIndex").asLong()).isEqualTo(1);
        assertThat(free.path("Value").isNull()).isTrue(); // release stores its own (empty) body
        assertThat(release("missing", one, "")).isEqualTo("false");

        // An explicit release sets no lock-delay: the other session gets the key at once.
        assertThat(acquire("leader", two, "two")).isEqualTo("true");
        assertThat(entry("leader").path("LockIndex").asLong()).isEqualTo(2);
        assertThat(acquire("fresh", two, "")).isEqualTo("true");
        assertThat(entry("fresh").path("LockIndex").asLong()).isEqualTo(1);
    }

    @Test
    void aPlainPutKeepsTheHolderButResetsLockIndexLikeConsul() {
        String one = session("");
        acquire("k", one, "v");
        assertThat(http.kvPut(root + "k", "overwritten")).isTrue();
        JsonNode e = entry("k");
        assertThat(e.path("Session").asText()).isEqualTo(one);
        assertThat(e.path("LockIndex").asLong()).isZero();
        assertThat(text(e)).isEqualTo("overwritten");
    }

    @Test
    void badSessionsAndConflictingFlagsGetConsulsErrors() {
        String bogus = "00000000-0000-0000-0000-000000000000";
        ConsulHttp.Response invalid = http.put("/v1/kv/" + root + "k?acquire=" + bogus, "v");
        assertThat(invalid.status()).isEqualTo(500);
        assertThat(invalid.body()).isEqualTo(cluster.rpcError(cluster.localNode(), "invalid session \"" + bogus + "\""));
        ConsulHttp.Response missing = http.put("/v1/kv/" + root + "k?acquire=", "v");
        assertThat(missing.status()).isEqualTo(500);
        assertThat(missing.body()).isEqualTo(cluster.rpcError(cluster.localNode(), "missing session"));
        assertThat(http.put("/v1/kv/" + root + "k?release=", "").body()).isEqualTo(cluster.rpcError(cluster.localNode(), "missing session"));
        assertThat(http.get("/v1/kv/" + root + "k").status()).isEqualTo(404);

        ConsulHttp.Response conflict = http.put("/v1/kv/" + root + "k?cas=0&acquire=" + bogus, "v");
        assertThat(conflict.status()).isEqualTo(400);
        assertThat(conflict.body()).isEqualTo("Conflicting flags: acquire=" + bogus + "&cas=0");
        ConsulHttp.Response deleteConflict = http.send("DELETE", cluster.url() + "/v1/kv/" + root + "k?cas=1&recurse",
                null, Duration.ofSeconds(5));
        assertThat(deleteConflict.status()).isEqualTo(400);
        assertThat(deleteConflict.body()).isEqualTo("Conflicting flags: cas=1&recurse=");
    }

    @Test
    void destroyingTheHolderReleasesItsKeysAndTheLockDelayKeepsThemFreeForAWhile() {
        String holder = session("{\"LockDelay\":\"1s\"}");
        String waiting = session("{\"LockDelay\":\"0s\"}");
        acquire("a", holder, "held");
        acquire("b", holder, "");
        JsonNode before = entry("a");

        long t0 = System.nanoTime();
        http.put("/v1/session/destroy/" + holder, "").requireOk();
        JsonNode after = entry("a");
        assertThat(after.has("Session")).isFalse();
        assertThat(after.path("LockIndex").asLong()).isEqualTo(1);
        assertThat(text(after)).isEqualTo("held");
        assertThat(after.path("ModifyIndex").asLong()).isGreaterThan(before.path("ModifyIndex").asLong());
        assertThat(entry("b").has("Session")).isFalse();

        assertThat(acquire("a", waiting, "mine")).isEqualTo("false");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> acquire("a", waiting, "mine").equals("true"));
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(1_000).toNanos());
        assertThat(entry("a").path("LockIndex").asLong()).isEqualTo(2);
    }

    @Test
    void behaviourDeleteDeletesTheKeysOfAnInvalidatedSession() {
        String holder = session("{\"Behavior\":\"delete\",\"LockDelay\":\"0s\"}");
        acquire("ephemeral", holder, "here");
        http.kvPut(root + "other", "stays");
        http.put("/v1/session/destroy/" + holder, "").requireOk();
        assertThat(http.get("/v1/kv/" + root + "ephemeral").status()).isEqualTo(404);
        assertThat(text(entry("other"))).isEqualTo("stays");
    }

    @Test
    void aBlockingReadOfTheKeyWakesOnAcquireAndOnRelease() throws Exception {
        String one = session("{\"LockDelay\":\"0s\"}");
        http.kvPut(root + "watched", "");
        long index = http.get("/v1/kv/" + root + "watched").requireOk().index();

        CompletableFuture<ConsulHttp.Response> acquired = CompletableFuture.supplyAsync(
                () -> http.get("/v1/kv/" + root + "watched?index=" + index + "&wait=10s"));
        Thread.sleep(250);
        acquire("watched", one, "me");
        ConsulHttp.Response a = acquired.get(5, TimeUnit.SECONDS);
        assertThat(a.index()).isGreaterThan(index);
        assertThat(a.json().get(0).path("Session").asText()).isEqualTo(one);

        CompletableFuture<ConsulHttp.Response> released = CompletableFuture.supplyAsync(
                () -> http.get("/v1/kv/" + root + "watched?index=" + a.index() + "&wait=10s"));
        Thread.sleep(250);
        release("watched", one, "");
        ConsulHttp.Response r = released.get(5, TimeUnit.SECONDS);
        assertThat(r.index()).isGreaterThan(a.index());
        assertThat(r.json().get(0).has("Session")).isFalse();
    }

    @Test
    void anExpiredSessionReleasesItsLock() {
        try (ConsulTestCluster fast = ConsulTestCluster.simulated(
                ConsulSimulator.builder().sessionTtlMinimum(Duration.ofMillis(100)), null)) {
            ConsulHttp h = fast.http();
            String id = h.put("/v1/session/create", "{\"TTL\":\"200ms\",\"LockDelay\":\"0s\"}").requireOk()
                    .json().path("ID").asText();
            assertThat(h.put("/v1/kv/lock?acquire=" + id, "me").requireOk().body()).isEqualTo("true");
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    !h.get("/v1/kv/lock").requireOk().json().get(0).has("Session"));
            assertThat(h.get("/v1/session/info/" + id).body()).isEqualTo("[]");
        }
    }
}
