package io.lbsync.e2e;

import static io.lbsync.e2e.FaultScenario.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.watch.ConsulErrorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync.consul.url with two agents (issue 17), on the real cluster the test run starts (the simulator stops one of its
 * agents the same way when it is the backend): lbsync reads through the first agent; its process is stopped → lbsync
 * switches to the second agent, the live HAProxy config (validated by haproxy -c) stays byte for byte as it was with no
 * reload, and a change registered through a third agent reaches the file through the second; the first agent starts
 * again → lbsync goes back to it (/status, metrics) and later changes still arrive.
 */
class ConsulAgentFailoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SWITCH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private FaultScenario lbsync;
    private String preferred;
    private String second;
    private String serviceAgent;
    private boolean preferredStopped;
    private final String service = ConsulTestCluster.unique("agent-failover");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1", "node-2", "node-3");
        Assumptions.assumeFalse(cluster.isExternal(), "stops a Consul agent: not done on an external cluster");
        // real cluster: [agent-a (lbsync's), srv-1, agent-b]; lbsync reads through the two client agents, the services live
        // on the server, which stays up
        List<String> nodes = cluster.nodes();
        preferred = nodes.get(0);
        second = nodes.get(2);
        serviceAgent = nodes.get(1);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (lbsync != null) {
                lbsync.close();
            }
        } finally {
            try {
                if (preferredStopped) {
                    cluster.startAgent(preferred); // whatever failed: the agent runs again and the cluster is ready
                }
            } finally {
                cluster.close();
            }
        }
    }

    @Test
    void theFirstAgentStopsTheConfigHoldsChangesArriveThroughTheSecondAndLbsyncGoesBackWhenItReturns() throws Exception {
        register("i1", 19401);
        register("i2", 19402);
        lbsync = FaultScenario.start(cluster, service, dir, Map.of("lbsync.consul.url",
                cluster.agentUrl(preferred) + "," + cluster.agentUrl(second)));
        lbsync.awaitFirstInstall(Duration.ofSeconds(30), server(19401), server(19402));
        assertThat(consul().path("url").asText()).isEqualTo(cluster.agentUrl(preferred));
        assertThat(consul().path("agents")).extracting(JsonNode::asText)
                .containsExactly(cluster.agentUrl(preferred), cluster.agentUrl(second));

        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.CONNECTION);
        long stopped = System.nanoTime();
        cluster.stopAgent(preferred);
        preferredStopped = true;
        await("switch to the second agent").atMost(SWITCH_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> consul().path("agentIndex").asInt() == 1);
        Duration toSecond = Duration.ofNanos(System.nanoTime() - stopped);
        // every watch reads through the second agent now, without a failure in a row
        await("watches recovered on the second agent").atMost(SWITCH_TIMEOUT).until(() -> lbsync.health().states().values().stream()
                .allMatch(s -> s.consecutiveFailures() == 0));
        Thread.sleep(2_000); // a re-read that installed anything would have done it by now
        lbsync.assertNothingChanged(before, "switch to the second agent");
        JsonNode status = consul();
        assertThat(status.path("url").asText()).isEqualTo(cluster.agentUrl(second));
        assertThat(status.path("lastAgentSwitch").path("reason").asText()).startsWith("unreachable");
        assertThat(metric("lbsync_consul_agent_index")).isEqualTo(1.0);

        // a change registered through a third agent reaches the file through the second
        cluster.http().deregisterService(serviceAgent, "i1-" + service).requireOk();
        register("i3", 19403);
        lbsync.awaitConverged(before, 2, CONVERGE_TIMEOUT, new String[] {server(19402), server(19403)}, server(19401));

        FaultScenario.Snapshot afterChange = lbsync.snapshot(ConsulErrorKind.CONNECTION);
        long restarted = System.nanoTime();
        cluster.startAgent(preferred); // returns once the cluster is ready again
        preferredStopped = false;
        Duration agentReady = Duration.ofNanos(System.nanoTime() - restarted);
        await("back to the preferred agent").atMost(SWITCH_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> consul().path("agentIndex").asInt() == 0);
        Duration backAfterReady = Duration.ofNanos(System.nanoTime() - restarted).minus(agentReady);
        assertThat(consul().path("url").asText()).isEqualTo(cluster.agentUrl(preferred));
        assertThat(consul().path("agentSwitches").asLong()).isEqualTo(2);
        assertThat(metric("lbsync_consul_agent_index")).isEqualTo(0.0);
        assertThat(metric("lbsync_consul_agent_switches_total")).isEqualTo(2.0);
        Thread.sleep(1_000);
        lbsync.assertNothingChanged(afterChange, "switch back to the preferred agent");

        // later changes still arrive, through the preferred agent
        register("i4", 19404);
        lbsync.awaitConverged(afterChange, 1, CONVERGE_TIMEOUT, new String[] {server(19402), server(19403), server(19404)}, server(19401));
        System.out.printf("[agent-failover] switch to the second agent %d ms after the first stopped; back %d ms after the first"
                + " was ready again (%d ms to restart it)%n", toSecond.toMillis(), backAfterReady.toMillis(), agentReady.toMillis());
    }

    private JsonNode consul() throws IOException {
        return JSON.readTree(lbsync.app().httpGet("/status").requireOk().body()).path("consul");
    }

    private double metric(String name) {
        return lbsync.app().httpGet("/observe/metrics").requireOk().body().lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
    }

    private void register(String id, int port) {
        FaultScenario.register(cluster, serviceAgent, service, id, port);
    }
}
