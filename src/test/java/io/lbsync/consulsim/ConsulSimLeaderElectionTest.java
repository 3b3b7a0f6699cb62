package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.config.ConsulSettings;
import io.lbsync.config.ConsulToken;
import io.lbsync.consul.ConsulAnswers;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leader election as lbsync does it (io.lbsync.leader.ConsulLeaderView), through lbsync's own Consul client
 * (io.lbsync.consul): session + KV lock, the exact calls and answers the view relies on.
 */
class ConsulSimLeaderElectionTest {
    private ConsulTestCluster cluster;
    private ConsulClientFactory factory;
    private ConsulClient consul;
    private String key;

    @BeforeEach
    void start() {
        // session_ttl_min lowered so that the expiry case runs in a second; the rest uses Consul's defaults.
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().sessionTtlMinimum(Duration.ofMillis(100)), null);
        factory = ConsulClientFactory.create(new ConsulSettings(java.util.List.of(URI.create(cluster.url())), ConsulToken.fixed(Optional.empty()),
                Optional.empty(), Optional.empty(), Duration.ofSeconds(30), Duration.ofSeconds(10)));
        consul = factory.client();
        key = unique("lbsync/leader");
    }

    @AfterEach
    void stop() {
        if (factory != null) {
            factory.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String candidate(String name, String ttl) {
        String body = "{\"Name\":\"" + name + "\",\"TTL\":\"" + ttl + "\",\"LockDelay\":\"1s\",\"Behavior\":\"release\"}";
        return consul.put("/v1/session/create", utf8(body)).requireOk().json().path("ID").asText();
    }

    private Optional<JsonNode> session(String id) {
        JsonNode list = ConsulAnswers.array(consul.get("/v1/session/info/" + id).requireOk());
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    private boolean acquire(String value, String session) {
        return consul.put("/v1/kv/" + key + "?acquire=" + session, utf8(value)).requireOk().json().asBoolean();
    }

    private boolean release(String session) {
        return consul.put("/v1/kv/" + key + "?release=" + session, new byte[0]).requireOk().json().asBoolean();
    }

    /** The lock key's entry, empty when the key does not exist. */
    private Optional<JsonNode> lockEntry(ConsulResponse read) {
        return read.status() == 404 ? Optional.empty() : Optional.of(ConsulAnswers.array(read.requireOk()).get(0));
    }

    private Optional<String> holder() {
        return lockEntry(consul.get("/v1/kv/" + key)).map(e -> e.path("Session").asText("")).filter(s -> !s.isEmpty());
    }

    @Test
    void oneCandidateLeadsTheOtherTakesOverWhenTheLeaderReleases() throws Exception {
        String first = candidate("lbsync-a", "15s");
        String second = candidate("lbsync-b", "15s");

        JsonNode info = session(first).orElseThrow();
        assertThat(info.path("Name").asText()).contains("lbsync-a");
        assertThat(info.path("Node").asText()).isEqualTo(cluster.nodes().get(0));
        assertThat(info.path("TTL").asText()).contains("15s");
        assertThat(info.path("LockDelay").asLong()).isEqualTo(1_000_000_000L);
        assertThat(info.path("Behavior").asText()).isEqualTo("release");
        JsonNode all = ConsulAnswers.array(consul.get("/v1/session/list").requireOk());
        assertThat(all.findValuesAsText("ID")).contains(first, second);
        ConsulResponse renewed = consul.put("/v1/session/renew/" + first, new byte[0]).requireOk();
        assertThat(ConsulAnswers.array(renewed).get(0).path("ID").asText()).isEqualTo(first);

        assertThat(acquire("a", first)).isTrue();
        assertThat(acquire("b", second)).isFalse();
        assertThat(holder()).contains(first);

        ConsulResponse now = consul.get("/v1/kv/" + key);
        long index = now.index();
        CompletableFuture<ConsulResponse> watch = CompletableFuture.supplyAsync(
                () -> consul.blockingGet("/v1/kv/" + key, index, Duration.ofSeconds(10)));
        Thread.sleep(250);
        long t0 = System.nanoTime();
        assertThat(release(first)).isTrue();
        ConsulResponse woken = watch.get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3_000);
        assertThat(woken.index()).isGreaterThan(index);
        assertThat(lockEntry(woken).orElseThrow().path("Session").asText("")).isEmpty();

        assertThat(acquire("b", second)).isTrue();
        assertThat(holder()).contains(second);
        assertThat(ConsulAnswers.value(now, lockEntry(consul.get("/v1/kv/" + key)).orElseThrow())).isEqualTo("b");

        consul.put("/v1/session/destroy/" + first, new byte[0]).requireOk();
        assertThat(session(first)).isEmpty();
        assertThat(consul.put("/v1/session/renew/" + first, new byte[0]).status()).isEqualTo(404);
    }

    @Test
    void aLeaderThatStopsRenewingLosesTheLockAfterTwiceItsTtlAndTheLockDelay() {
        String leader = candidate("lbsync-a", "300ms");
        String follower = candidate("lbsync-b", "15s");
        assertThat(acquire("a", leader)).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> holder().isEmpty());
        assertThat(session(leader)).isEmpty();
        // The expired session's 1s lock-delay holds the key free before the follower may take it.
        assertThat(acquire("b", follower)).isFalse();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> acquire("b", follower));
        assertThat(holder()).contains(follower);
    }
}
