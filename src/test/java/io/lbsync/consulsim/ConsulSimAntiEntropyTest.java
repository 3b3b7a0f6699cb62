package io.lbsync.consulsim;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The owning agent re-syncs its local state: catalog-only changes to its node do not last. */
class ConsulSimAntiEntropyTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.startWithFastAntiEntropy("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private int instances(String name) {
        return http.get("/v1/catalog/service/" + name).requireOk().json().size();
    }

    private long createIndex(String name) {
        var entries = http.get("/v1/catalog/service/" + name).requireOk().json();
        return entries.isEmpty() ? -1 : entries.get(0).path("CreateIndex").asLong();
    }

    @Test
    void catalogDeregistrationOfAnAgentOwnedServiceIsUndoneByAntiEntropy() {
        String name = unique("comeback");
        http.registerService(node, "{\"Name\":\"" + name + "\",\"Port\":80}").requireOk();
        await().atMost(Duration.ofSeconds(5)).until(() -> instances(name) == 1);

        long created = createIndex(name);

        http.catalogDeregister(node, name).requireOk();
        cluster.triggerAntiEntropy();
        // Re-added, not merely kept: a new CreateIndex proves it was gone in between (checking for the gap
        // directly would race with the 200 ms anti-entropy of the simulator).
        await().atMost(cluster.antiEntropyTimeout()).until(() -> createIndex(name) > created);
        assertThat(instances(name)).isEqualTo(1);
    }

    @Test
    void agentDeregistrationSticksAcrossAntiEntropyRounds() throws InterruptedException {
        String name = unique("gone");
        http.registerService(node, "{\"Name\":\"" + name + "\",\"Port\":80}").requireOk();
        await().atMost(Duration.ofSeconds(5)).until(() -> instances(name) == 1);

        http.deregisterService(node, name).requireOk();
        await().atMost(Duration.ofSeconds(5)).until(() -> instances(name) == 0);
        cluster.triggerAntiEntropy();
        Thread.sleep(cluster.isSimulator() ? 1_000 : 2_000); // several simulator anti-entropy rounds, or the triggered one
        assertThat(instances(name)).isZero();
    }

    @Test
    void catalogRegistrationOnAnAgentNodeIsRemovedByThatAgent() {
        // An agent removes what it does not own with its default token: on the ACL cluster that is anonymous, which
        // may not; so this one runs without ACLs, where a real agent's own timer (60-120 s) has to come round.
        if (cluster != null) {
            cluster.close();
        }
        cluster = ConsulTestCluster.startWithDistinctNodeAddresses("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
        String name = unique("intruder");
        // SkipNodeUpdate: touch only the service, not the agent's node record.
        String body = "{\"Node\":\"" + node + "\",\"SkipNodeUpdate\":true,"
                + "\"Service\":{\"ID\":\"" + name + "\",\"Service\":\"" + name + "\",\"Port\":1}}";
        long before = http.get("/v1/catalog/service/" + name).index();
        assertThat(http.put("/v1/catalog/register", body).requireOk().body()).isEqualTo("true");
        // The write happened (the agent may already have removed it again, so don't insist on seeing it).
        assertThat(http.get("/v1/catalog/service/" + name).index()).isGreaterThan(before);

        await().atMost(cluster.antiEntropyTimeout()).until(() -> instances(name) == 0);
    }
}
