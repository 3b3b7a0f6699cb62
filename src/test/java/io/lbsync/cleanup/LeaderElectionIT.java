package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Pause;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two lbsync instances against one Consul, as with one lbsync per load balancer: only the holder of the Consul
 * lock runs the cleanup and removes anything; when it stops, the other takes over; a leader whose session
 * Consul lost gets a new one and leads again (it never silently stops).
 */
class LeaderElectionIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private ConsulTestCluster cluster;
    private LbsyncApp first;
    private LbsyncApp second;
    private final String lockPrefix = ConsulTestCluster.unique("lbsync-test/leader");
    private final String service = ConsulTestCluster.unique("lead");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.startWithDistinctNodeAddresses("node-1", "node-2");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (LbsyncApp app : new LbsyncApp[] {first, second}) {
            if (app != null) {
                app.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private LbsyncApp start(String instance) {
        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, false);
        p.put("lbsync.leader.key-prefix", lockPrefix);
        p.put("lbsync.leader.lock-delay", "1s");
        p.put("lbsync.instance-name", instance);
        return LbsyncApp.start(p);
    }

    private static boolean leads(LbsyncApp app) {
        return app.httpGet("/cleanup/report").requireOk().json().path("leader").asBoolean();
    }

    private static DuplicateCleanup cleanup(LbsyncApp app) {
        return app.camel().getRegistry().lookupByNameAndType("cleanup", DuplicateCleanup.class);
    }

    private JsonNode lock() {
        return cluster.http().get("/v1/kv/" + lockPrefix + "/" + DuplicateCleanup.LEADER_NAMESPACE).requireOk().json().get(0);
    }

    /** One ID on two nodes; returns when only one copy is left. */
    private void duplicateAndAwaitRemoval(String id) {
        for (String node : cluster.nodes().subList(0, 2)) {
            cluster.http().registerService(node, "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"10.3.3.3\",\"Port\":80}")
                    .requireOk();
        }
        await().atMost(TIMEOUT).until(() -> cluster.http().get("/v1/catalog/service/" + service + "?consistent").requireOk().json()
                .findValues("ServiceID").stream().filter(v -> v.asText().equals(id)).count() == 1);
    }

    @Test
    void onlyTheLeaderRemovesAndWhenItStopsTheOtherTakesOver() throws Exception {
        first = start("lbsync-a");
        await().atMost(TIMEOUT).until(() -> leads(first));
        second = start("lbsync-b");
        Pause.millis(2_000);
        assertThat(leads(second)).isFalse();
        assertThat(second.httpGet("/cleanup/report").json().path("leaderInstance").asText()).isEqualTo("lbsync-a");
        assertThat(new String(Base64.getDecoder().decode(lock().path("Value").asText()), StandardCharsets.UTF_8)).isEqualTo("lbsync-a");

        duplicateAndAwaitRemoval(service + "-1");
        // the run that removed it records its counters when it ends, a moment after the catalog shows it
        await().atMost(TIMEOUT).until(() -> cleanup(first).counters().removed() == 1);
        assertThat(cleanup(second).counters().runs()).isZero();

        first.close();
        first = null;
        await().atMost(TIMEOUT).until(() -> leads(second));
        duplicateAndAwaitRemoval(service + "-2");
        await().atMost(TIMEOUT).until(() -> cleanup(second).counters().removed() == 1);
    }

    @Test
    void aLeaderWhoseSessionConsulLostTakesTheLockAgainWithANewSession() {
        first = start("lbsync-a");
        await().atMost(TIMEOUT).until(() -> leads(first));
        String session = lock().path("Session").asText();
        cluster.http().put("/v1/session/destroy/" + session, "").requireOk();

        await().atMost(TIMEOUT).until(() -> {
            JsonNode lock = lock();
            return lock.hasNonNull("Session") && !lock.path("Session").asText().equals(session) && leads(first);
        });
        duplicateAndAwaitRemoval(service + "-3");
    }
}
