package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** KV reads, writes, 404s with index, CAS, and blocking per prefix (deletes included). */
class ConsulSimKvTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String root;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        root = unique("lbsync-test") + "/";
    }

    @AfterEach
    void stop() {
        http.kvDelete(root, true);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void putThenGetReturnsTheEntryWithBase64ValueAndRawReturnsTheBytes() {
        assertThat(http.kvPut(root + "greeting", "hello")).isTrue();
        ConsulHttp.Response r = http.get("/v1/kv/" + root + "greeting").requireOk();
        JsonNode e = r.json().get(0);
        assertThat(e.path("Key").asText()).isEqualTo(root + "greeting");
        assertThat(new String(Base64.getDecoder().decode(e.path("Value").asText()), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(e.path("Flags").asLong()).isZero();
        assertThat(e.path("LockIndex").asLong()).isZero();
        assertThat(e.path("CreateIndex").asLong()).isEqualTo(e.path("ModifyIndex").asLong());
        assertThat(r.index()).isEqualTo(e.path("ModifyIndex").asLong());
        assertThat(http.get("/v1/kv/" + root + "greeting?raw").requireOk().body()).isEqualTo("hello");

        http.put("/v1/kv/" + root + "flagged?flags=42", "x").requireOk();
        assertThat(http.get("/v1/kv/" + root + "flagged").json().get(0).path("Flags").asLong()).isEqualTo(42);
    }

    @Test
    void recurseKeysAndSeparatorListThePrefix() {
        http.kvPut(root + "a", "1");
        http.kvPut(root + "b/c", "2");
        http.kvPut(root + "b/d", "3");
        JsonNode all = http.get("/v1/kv/" + root + "?recurse").requireOk().json();
        assertThat(all.findValuesAsText("Key")).containsExactly(root + "a", root + "b/c", root + "b/d");
        assertThat(http.get("/v1/kv/" + root + "?keys").requireOk().json().toString())
                .isEqualTo("[\"" + root + "a\",\"" + root + "b/c\",\"" + root + "b/d\"]");
        assertThat(http.get("/v1/kv/" + root + "?keys&separator=/").requireOk().json().toString())
                .isEqualTo("[\"" + root + "a\",\"" + root + "b/\"]");
    }

    @Test
    void missingKeysAndEmptyPrefixesAre404WithAnIndexAndNoBody() {
        ConsulHttp.Response key = http.get("/v1/kv/" + root + "nope");
        assertThat(key.status()).isEqualTo(404);
        assertThat(key.body()).isEmpty();
        assertThat(key.index()).isGreaterThanOrEqualTo(1);
        ConsulHttp.Response prefix = http.get("/v1/kv/" + root + "?recurse");
        assertThat(prefix.status()).isEqualTo(404);
        assertThat(prefix.index()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void casWritesOnlyOnTheExpectedIndexAndDeleteRemoves() {
        assertThat(http.kvPut(root + "k", "v1")).isTrue();
        long modify = http.get("/v1/kv/" + root + "k").json().get(0).path("ModifyIndex").asLong();
        assertThat(http.put("/v1/kv/" + root + "k?cas=0", "v2").body()).isEqualTo("false");
        assertThat(http.put("/v1/kv/" + root + "k?cas=" + (modify + 1000), "v2").body()).isEqualTo("false");
        assertThat(http.put("/v1/kv/" + root + "k?cas=" + modify, "v2").body()).isEqualTo("true");

        assertThat(http.kvDelete(root + "k", false).requireOk().body()).isEqualTo("true");
        assertThat(http.get("/v1/kv/" + root + "k").status()).isEqualTo(404);

        http.kvPut(root + "t/1", "x");
        http.kvPut(root + "t/2", "y");
        http.kvDelete(root + "t/", true).requireOk();
        assertThat(http.get("/v1/kv/" + root + "t/?recurse").status()).isEqualTo(404);
    }

    @Test
    void blockingIsPerPrefixAndADeleteUnderThePrefixWakesIt() throws Exception {
        String watched = root + "watched/";
        http.kvPut(watched + "one", "1");
        http.kvPut(watched + "two", "2");
        long index = http.get("/v1/kv/" + watched + "?recurse").requireOk().index();

        CompletableFuture<ConsulHttp.Response> idle = CompletableFuture.supplyAsync(
                () -> http.get("/v1/kv/" + watched + "?recurse&index=" + index + "&wait=1s"));
        Thread.sleep(200);
        http.kvPut(root + "other/key", "z");
        long t0 = System.nanoTime();
        ConsulHttp.Response untouched = idle.get(10, TimeUnit.SECONDS);
        assertThat(untouched.index()).isEqualTo(index);
        assertThat(System.nanoTime() - t0).isGreaterThan(Duration.ofMillis(500).toNanos());

        CompletableFuture<ConsulHttp.Response> woken = CompletableFuture.supplyAsync(
                () -> http.get("/v1/kv/" + watched + "?recurse&index=" + index + "&wait=10s"));
        Thread.sleep(200);
        long t1 = System.nanoTime();
        http.kvDelete(watched + "two", false).requireOk();
        ConsulHttp.Response after = woken.get(10, TimeUnit.SECONDS);
        assertThat(System.nanoTime() - t1).isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(after.index()).isGreaterThan(index);
        assertThat(after.json().findValuesAsText("Key")).containsExactly(watched + "one");

        // Deleting the last key: 404, but the index still moves forward.
        http.kvDelete(watched + "one", false).requireOk();
        ConsulHttp.Response empty = http.get("/v1/kv/" + watched + "?recurse");
        assertThat(empty.status()).isEqualTo(404);
        assertThat(empty.index()).isGreaterThan(after.index());
    }
}
