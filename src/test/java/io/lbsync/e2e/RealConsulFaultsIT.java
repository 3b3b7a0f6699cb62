package io.lbsync.e2e;

import static io.lbsync.e2e.FaultScenario.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LocalConsul;
import io.lbsync.watch.ConsulErrorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults a real Consul cluster shows, made for real on the cluster the test run starts (the simulator's injected
 * faults are in FaultInjectionIT): the agent lbsync reads from stopped, or hung (SIGSTOP); the only server stopped
 * (no leader); the agent restarted with an empty local state and its services registered again; the whole cluster
 * down and back. In each: the live config and HAProxy's reload count hold still, and afterwards the config follows
 * Consul with no restart of lbsync.
 * <p>
 * lbsync reads from the local agent; the services live on another agent (so that Consul can change while lbsync's
 * agent is down), except in the empty-state test, where they live on lbsync's own agent.
 */
class RealConsulFaultsIT {
    private static final Duration HOLD_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private LocalConsul consul;
    private FaultScenario lbsync;
    private String lbsyncAgent;
    private String serviceAgent;
    private final String service = ConsulTestCluster.unique("real-fault");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1", "node-2", "node-3");
        consul = cluster.assumeLocal("stops, suspends and restarts Consul agents");
        lbsyncAgent = cluster.localNode();
        serviceAgent = consul.agents().stream().filter(a -> !a.server() && !a.node().equals(lbsyncAgent)).findFirst()
                .orElseThrow().node();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (lbsync != null) {
                lbsync.close();
            }
        } finally {
            // whatever a failed test left behind: every agent running and the cluster ready again
            if (consul != null) {
                consul.startAll();
            }
            cluster.close();
        }
    }

    private void startLbsync(String onAgent) throws IOException {
        startLbsync(onAgent, Map.of());
    }

    private void startLbsync(String onAgent, Map<String, String> extra) throws IOException {
        register(onAgent, "i1", 19301);
        register(onAgent, "i2", 19302);
        lbsync = FaultScenario.start(cluster, service, dir, extra);
        lbsync.awaitFirstInstall(Duration.ofSeconds(30), server(19301), server(19302));
    }

    @Test
    void theAgentLbsyncReadsFromStopsAndStartsAgain() throws Exception {
        startLbsync(serviceAgent);
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.CONNECTION);
        consul.stopAgent(lbsyncAgent);
        changeConsul(); // through the agent that owns the services
        lbsync.holdForSeveralRetries(before, ConsulErrorKind.CONNECTION, 3, HOLD_TIMEOUT);
        lbsync.assertNothingChanged(before, "lbsync's agent stopped");

        consul.startAgent(lbsyncAgent);
        consul.awaitReady();
        awaitConverged(before);
    }

    @Test
    void theAgentLbsyncReadsFromHangs() throws Exception {
        startLbsync(serviceAgent);
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.TIMEOUT);
        consul.suspendAgent(lbsyncAgent); // accepts connections (the kernel does), never answers
        changeConsul();
        lbsync.holdForSeveralRetries(before, ConsulErrorKind.TIMEOUT, 2, HOLD_TIMEOUT);
        lbsync.assertNothingChanged(before, "lbsync's agent hung");

        consul.resumeAgent(lbsyncAgent);
        awaitConverged(before);
    }

    @Test
    void theOnlyServerStopsAndNoLeaderIsKnown() throws Exception {
        startLbsync(serviceAgent);
        String server = consul.agents().stream().filter(LocalConsul.Agent::server).findFirst().orElseThrow().node();
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.HTTP_5XX);
        consul.stopAgent(server);
        // the agents still answer, with 500s: the catalog cannot be read without a server
        lbsync.holdForSeveralRetries(before, ConsulErrorKind.HTTP_5XX, 3, HOLD_TIMEOUT);
        changeConsul(); // into the owning agent's local state; synced once a server is back
        lbsync.assertNothingChanged(before, "no server, no leader");

        consul.startAgent(server);
        consul.awaitReady();
        awaitConverged(before);
    }

    @Test
    void theAgentRestartsWithAnEmptyLocalStateAndItsServicesRegisterAgain() throws Exception {
        // the services live on the agent that is rebuilt; the implausible-change guard is on, as shipped
        startLbsync(lbsyncAgent, Map.of("lbsync.guard.confirm-after", "30s"));
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.CONNECTION);
        Instant restarted = Instant.now();
        consul.restartAgentEmpty(lbsyncAgent);
        consul.awaitReady();
        // for a moment Consul says the service has no instance at all: the guard holds that back
        await("the catalog without the service").atMost(Duration.ofSeconds(30))
                .until(() -> cluster.http().get("/v1/catalog/service/" + service).json().isEmpty());
        lbsync.assertNothingChanged(before, "agent rebuilt, its services not registered again yet");
        // ...until the orchestrator registers them again, as it does when an agent comes back
        register(lbsyncAgent, "i1", 19301);
        register(lbsyncAgent, "i2", 19302);
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.http().get("/v1/catalog/service/" + service).json().size() == 2);
        Thread.sleep(2_000); // a render of the interim state would have happened by now
        lbsync.assertNothingChanged(before, "agent rebuilt and its services registered again");
        assertThat(lbsync.installed()).isTrue();
        assertThat(Duration.between(restarted, Instant.now())).isLessThan(Duration.ofSeconds(30)); // inside confirm-after
    }

    @Test
    void theWholeClusterGoesDownAndComesBack() throws Exception {
        startLbsync(serviceAgent);
        FaultScenario.Snapshot before = lbsync.snapshot(ConsulErrorKind.CONNECTION);
        consul.stopAll();
        lbsync.holdForSeveralRetries(before, ConsulErrorKind.CONNECTION, 3, HOLD_TIMEOUT);
        lbsync.assertNothingChanged(before, "every agent down");

        consul.startAll();
        changeConsul();
        awaitConverged(before);
    }

    // ---- steps ----

    /** One instance goes, another comes, on the agent that owns the services. */
    private void changeConsul() {
        cluster.http().deregisterService(serviceAgent, "i1-" + service).requireOk();
        register(serviceAgent, "i3", 19303);
    }

    /**
     * The config follows Consul again. One or two installs: the change is two registrations (one instance gone, one new)
     * that a real agent syncs to the servers one at a time, so lbsync may see them apart.
     */
    private void awaitConverged(FaultScenario.Snapshot before) throws IOException {
        lbsync.awaitConverged(before, 2, CONVERGE_TIMEOUT, new String[] {server(19303), server(19302)}, server(19301));
    }

    private void register(String node, String id, int port) {
        FaultScenario.register(cluster, node, service, id, port);
    }
}
