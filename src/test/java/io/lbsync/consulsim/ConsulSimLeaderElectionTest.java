package io.lbsync.consulsim;

import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.SessionClient;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.model.session.SessionInfo;
import org.kiwiproject.consul.option.QueryOptions;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Leader election as lbsync does it, through the kiwiproject consul-client: session + KV lock. */
class ConsulSimLeaderElectionTest {
    private ConsulTestCluster cluster;
    private Consul consul;
    private SessionClient sessions;
    private KeyValueClient kv;
    private String key;

    @BeforeEach
    void start() {
        // session_ttl_min lowered so that the expiry case runs in a second; the rest uses Consul's defaults.
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().sessionTtlMinimum(Duration.ofMillis(100)), null);
        consul = Consul.builder().withUrl(cluster.url()).withPing(false).withReadTimeoutMillis(30_000).build();
        sessions = consul.sessionClient();
        kv = consul.keyValueClient();
        key = unique("lbsync/leader");
    }

    @AfterEach
    void stop() {
        consul.destroy();
        if (cluster != null) {
            cluster.close();
        }
    }

    private String candidate(String name, String ttl) {
        return sessions.createSession(ImmutableSession.builder().name(name).ttl(ttl).lockDelay("1s").behavior("release")
                .build()).getId();
    }

    @Test
    void oneCandidateLeadsTheOtherTakesOverWhenTheLeaderReleases() throws Exception {
        String first = candidate("lbsync-a", "15s");
        String second = candidate("lbsync-b", "15s");

        SessionInfo info = sessions.getSessionInfo(first).orElseThrow();
        assertThat(info.getName()).contains("lbsync-a");
        assertThat(info.getNode()).isEqualTo(cluster.nodes().get(0));
        assertThat(info.getTtl()).contains("15s");
        assertThat(info.getLockDelay()).isEqualTo(1_000_000_000L);
        assertThat(info.getBehavior()).isEqualTo("release");
        assertThat(sessions.listSessions()).extracting(SessionInfo::getId).contains(first, second);
        assertThat(sessions.renewSession(first)).map(SessionInfo::getId).contains(first);

        assertThat(kv.acquireLock(key, "a", first)).isTrue();
        assertThat(kv.acquireLock(key, "b", second)).isFalse();
        assertThat(kv.getSession(key)).contains(first);

        ConsulResponse<Value> now = kv.getConsulResponseWithValue(key).orElseThrow();
        BigInteger index = now.getIndex();
        CompletableFuture<Optional<ConsulResponse<Value>>> watch = CompletableFuture.supplyAsync(
                () -> kv.getConsulResponseWithValue(key, QueryOptions.blockSeconds(10, index).build()));
        Thread.sleep(250);
        long t0 = System.nanoTime();
        assertThat(kv.releaseLock(key, first)).isTrue();
        ConsulResponse<Value> woken = watch.get(5, TimeUnit.SECONDS).orElseThrow();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3_000);
        assertThat(woken.getIndex()).isGreaterThan(index);
        assertThat(woken.getResponse().getSession()).isEmpty();

        assertThat(kv.acquireLock(key, "b", second)).isTrue();
        assertThat(kv.getSession(key)).contains(second);
        assertThat(kv.getValue(key).flatMap(Value::getValueAsString)).contains("b");

        sessions.destroySession(first);
        assertThat(sessions.getSessionInfo(first)).isEmpty();
        assertThatThrownBy(() -> sessions.renewSession(first))
                .isInstanceOfSatisfying(ConsulException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }

    @Test
    void aLeaderThatStopsRenewingLosesTheLockAfterTwiceItsTtlAndTheLockDelay() {
        String leader = candidate("lbsync-a", "300ms");
        String follower = candidate("lbsync-b", "15s");
        assertThat(kv.acquireLock(key, "a", leader)).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> kv.getSession(key).isEmpty());
        assertThat(sessions.getSessionInfo(leader)).isEmpty();
        // The expired session's 1s lock-delay holds the key free before the follower may take it.
        assertThat(kv.acquireLock(key, "b", follower)).isFalse();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> kv.acquireLock(key, "b", follower));
        assertThat(kv.getSession(key)).contains(follower);
    }
}
