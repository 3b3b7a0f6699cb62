package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Pause;
import io.lbsync.testsupport.Ports;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The duplicate cleanup against three agents: a stray copy removed on its own agent stays gone through
 * anti-entropy, the right copy and lone registrations stay, dry-run removes nothing, and agents that cannot be
 * used are reported, never acted on blindly. Runs unchanged against a real Consul with three agents.
 */
class DuplicateCleanupIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private String a;
    private String b;
    private String c;
    private final String service = ConsulTestCluster.unique("dup");

    @BeforeEach
    void setUp() {
        // "stays gone through anti-entropy" needs anti-entropy the test can start (the local ACL cluster)
        cluster = ConsulTestCluster.startWithFastAntiEntropy("node-1", "node-2", "node-3");
        List<String> nodes = cluster.nodes();
        a = nodes.get(0);
        b = nodes.get(1);
        c = nodes.get(2);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String node, String id, String address) {
        cluster.http().registerService(node, "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"" + address
                + "\",\"Port\":8080}").requireOk();
    }

    private List<String> catalogNodes(String id) {
        return cluster.catalogNodes(service, id);
    }

    private boolean agentHas(String node, String id) {
        return cluster.http().getFrom(node, "/v1/agent/service/" + id).status() == 200;
    }

    private List<JsonNode> decisions(String action) {
        JsonNode report = app.httpGet("/cleanup/report").requireOk().json().path("lastReport");
        return StreamSupport.stream(report.path("decisions").spliterator(), false)
                .filter(d -> d.path("action").asText().equals(action) && d.path("service").asText().equals(service)).toList();
    }

    @Test
    void aStrayCopyIsRemovedOnItsOwnAgentAndStaysGoneWhileTheRightCopyAndLoneRegistrationsStay() {
        // web-1 runs at node b's address: registered first on a (through a "load balancer"), then on b itself
        String id = service + "-1";
        register(a, id, cluster.nodeAddress(b));
        register(b, id, cluster.nodeAddress(b));
        register(c, service + "-lone", "10.1.2.3");
        assertThat(catalogNodes(id)).containsExactlyInAnyOrder(a, b);

        app = LbsyncApp.start(LbsyncTestProperties.forCleanup(cluster, false));

        await().atMost(TIMEOUT).until(() -> !agentHas(a, id) && catalogNodes(id).equals(List.of(b)));
        // several anti-entropy rounds later (a full sync started on each agent) the owning agent has not put it back
        cluster.triggerAntiEntropy();
        Pause.millis(cluster.isSimulator() || cluster.isLocal() ? 2_000 : 130_000);
        assertThat(catalogNodes(id)).containsExactly(b);
        assertThat(agentHas(b, id)).isTrue();
        assertThat(catalogNodes(service + "-lone")).containsExactly(c);

        JsonNode removed = app.httpGet("/cleanup/report").requireOk().json().path("recentChanges").get(0).path("decision");
        assertThat(removed.path("action").asText()).isEqualTo("removed");
        assertThat(removed.path("node").asText()).isEqualTo(a);
        assertThat(removed.path("keptNode").asText()).isEqualTo(b);
        assertThat(removed.path("reason").asText()).contains("node address equals service address");
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(app.camel().getRegistry()
                .lookupByNameAndType("cleanup", DuplicateCleanup.class).counters().removed()).isEqualTo(1));
    }

    @Test
    void aRemovedCopyThatIsRegisteredAgainIsReportedAsFailedAndRemovedAgain() {
        String id = service + "-again";
        register(b, id, cluster.nodeAddress(b));
        register(a, id, cluster.nodeAddress(b));
        app = LbsyncApp.start(LbsyncTestProperties.forCleanup(cluster, false));
        await().atMost(TIMEOUT).until(() -> catalogNodes(id).equals(List.of(b)));

        register(a, id, cluster.nodeAddress(b)); // the client registers through the load balancer again

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(app.httpGet("/cleanup/report").requireOk().json()
                .path("recentChanges").findValues("reason")).anySatisfy(r -> assertThat(r.asText()).contains("registered again after its removal")));
        await().atMost(TIMEOUT).until(() -> catalogNodes(id).equals(List.of(b)) && !agentHas(a, id));
    }

    @Test
    void dryRunRemovesNothingAndReportsWhatItWouldRemove() {
        String id = service + "-1";
        register(a, id, "10.7.7.7");
        Pause.millis(50); // a's copy is the older one
        register(b, id, "10.7.7.7");

        app = LbsyncApp.start(LbsyncTestProperties.forCleanup(cluster, true));

        await().atMost(TIMEOUT).until(() -> !decisions("would-remove").isEmpty());
        JsonNode wouldRemove = decisions("would-remove").get(0);
        assertThat(wouldRemove.path("node").asText()).isEqualTo(b);
        assertThat(wouldRemove.path("keptNode").asText()).isEqualTo(a);
        assertThat(wouldRemove.path("reason").asText()).contains("oldest registration");
        Pause.millis(2_500); // more runs
        assertThat(catalogNodes(id)).containsExactlyInAnyOrder(a, b);
        assertThat(agentHas(a, id) && agentHas(b, id)).isTrue();
        assertThat(decisions("removed")).isEmpty();
    }

    @Test
    void anAgentThatCannotBeReachedOrIsNotTheNodeItClaimsIsReportedAndNothingElseIsRemoved() throws Exception {
        String unreachable = service + "-u";
        String misdirected = service + "-m";
        register(b, unreachable, "10.8.8.1");
        Pause.millis(50);
        register(a, unreachable, "10.8.8.1"); // stray on a, whose agent URL points nowhere
        register(b, misdirected, "10.8.8.2");
        Pause.millis(50);
        register(c, misdirected, "10.8.8.2"); // stray on c, whose agent URL points at b's agent (the keeper's!)

        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, false);
        p.put("lbsync.cleanup.agent-url." + a, "http://127.0.0.1:" + Ports.free());
        p.put("lbsync.cleanup.agent-url." + c, cluster.agentUrl(b));
        app = LbsyncApp.start(p);

        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(decisions("failed")).anySatisfy(d -> {
                assertThat(d.path("id").asText()).isEqualTo(unreachable);
                assertThat(d.path("reason").asText()).contains("unreachable");
            });
            assertThat(decisions("failed")).anySatisfy(d -> {
                assertThat(d.path("id").asText()).isEqualTo(misdirected);
                assertThat(d.path("reason").asText()).contains("is node '" + b + "', not '" + c + "'");
            });
        });
        assertThat(catalogNodes(unreachable)).containsExactlyInAnyOrder(a, b);
        assertThat(catalogNodes(misdirected)).containsExactlyInAnyOrder(b, c);
        assertThat(agentHas(b, misdirected)).isTrue();
    }

    @Test
    void aCatalogOnlyDeregistrationComesBackThroughAntiEntropy() {
        String id = service + "-ae";
        register(a, id, "10.9.9.9");
        cluster.http().catalogDeregister(a, id).requireOk();
        assertThat(catalogNodes(id)).isEmpty();
        cluster.triggerAntiEntropy();
        await().atMost(cluster.antiEntropyTimeout()).until(() -> catalogNodes(id).equals(List.of(a)));
    }
}
