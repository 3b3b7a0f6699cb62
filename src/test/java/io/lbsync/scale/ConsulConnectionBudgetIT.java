package io.lbsync.scale;

import static io.lbsync.scale.ScaleHarness.marker;
import static io.lbsync.scale.ScaleHarness.ms;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.TcpConnections;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 8: watching 2,000 services costs a small, bounded number of connections to the agent. Counts what Consul's
 * per-client limit counts — open TCP connections from 127.0.0.1 to the agent's port, idle keep-alive ones included
 * ({@link TcpConnections}, sampled every 2 ms) — for everything lbsync keeps open: catalog + health long polls, the
 * K/V long poll, the health readers, the leader election and the duplicate cleanup (enabled, every second). The
 * services are registered through the simulator's Java API so the test itself opens no connection to the agent.
 */
class ConsulConnectionBudgetIT {
    static final int SERVICES = 2_000;
    static final int BUDGET = 8;
    private static final Duration CHANGE_LIMIT = Duration.ofSeconds(10);

    @Test
    void twoThousandServicesStayWithinTheConnectionBudget() throws Exception {
        Assumptions.assumeTrue(TcpConnections.available(), "needs /proc/net/tcp (Linux)");
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            ConsulSimulator sim = cluster.assumeSimulator("registers 2,000 services through the simulator's Java API and counts its requests");
            String node = cluster.nodes().get(0);
            ScaleHarness.populate(sim, node, SERVICES, 1);
            Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true);
            Path output = Path.of(p.get("lbsync.haproxy.output"));
            long beforeRequests = sim.requestCount();

            try (ScaleHarness.ConnectionSampler sampler = new ScaleHarness.ConnectionSampler(sim, 2)) {
                long t0 = System.nanoTime();
                try (LbsyncApp app = LbsyncApp.start(p)) {
                    String last = marker(SERVICES - 1, 0, ScaleHarness.port(SERVICES - 1, 0));
                    long synced = ScaleHarness.waitForFile(output, t -> t.contains(last), t0 + Duration.ofSeconds(40).toNanos());
                    assertThat(synced).as("all %d services rendered after start", SERVICES).isPositive();
                    long startRequests = sim.requestCount() - beforeRequests;
                    int startMax = sampler.maxTcp();
                    int startInFlight = sampler.maxInFlight();
                    int startSamples = sampler.samples();

                    sampler.reset();
                    long changesFrom = sim.requestCount();
                    // a stream of changes: new instances, check flips, K/V writes, deregistrations
                    for (int k = 0; k < 60; k++) {
                        int s = (k * 37) % SERVICES;
                        switch (k % 4) {
                            case 0 -> ScaleHarness.register(sim, node, s, 1, ScaleHarness.port(s, 1));
                            case 1 -> sim.setCheckStatus(node, ScaleHarness.checkId(s, 0), "critical", "down");
                            case 2 -> sim.putKv("lbsync/scale/k" + k, "v" + k);
                            default -> sim.deregisterService(node, ScaleHarness.instanceId((k - 3) * 37 % SERVICES, 1));
                        }
                        Thread.sleep(50);
                    }
                    // one change per kind to a single service, each timed to the file
                    long tCheck = System.nanoTime();
                    sim.setCheckStatus(node, ScaleHarness.checkId(1234, 0), "critical", "down");
                    String m1234 = marker(1234, 0, ScaleHarness.port(1234, 0));
                    long seenCheck = ScaleHarness.waitForFile(output, t -> !t.contains(m1234), tCheck + CHANGE_LIMIT.toNanos());
                    long tReg = System.nanoTime();
                    ScaleHarness.register(sim, node, 1500, 2, ScaleHarness.port(1500, 2));
                    String m1500 = marker(1500, 2, ScaleHarness.port(1500, 2));
                    long seenReg = ScaleHarness.waitForFile(output, t -> t.contains(m1500), tReg + CHANGE_LIMIT.toNanos());
                    long tPort = System.nanoTime();
                    ScaleHarness.register(sim, node, 300, 0, 65_000);
                    String m300 = marker(300, 0, 65_000);
                    long seenPort = ScaleHarness.waitForFile(output, t -> t.contains(m300), tPort + CHANGE_LIMIT.toNanos());
                    Thread.sleep(500);
                    long changeRequests = sim.requestCount() - changesFrom;
                    int changeMax = sampler.maxTcp();
                    int changeInFlight = sampler.maxInFlight();
                    int changeSamples = sampler.samples();
                    int steady = sampler.nowTcp();

                    System.out.printf("ConsulConnectionBudgetIT: %d services; start-up sync to file %d ms, %d requests; "
                                    + "max open TCP connections to the agent %d (max requests in flight %d, %d samples)%n",
                            SERVICES, ms(synced - t0), startRequests, startMax, startInFlight, startSamples);
                    System.out.printf("ConsulConnectionBudgetIT: during 60 changes + 3 timed ones: max open TCP connections %d "
                                    + "(max in flight %d, %d samples), %d requests; open now %d%n", changeMax, changeInFlight,
                            changeSamples, changeRequests, steady);
                    System.out.printf("ConsulConnectionBudgetIT: single-service change to file: check flip %d ms, new instance "
                                    + "%d ms, port change (found by the sweep) %d ms%n", ms(seenCheck - tCheck),
                            ms(seenReg - tReg), ms(seenPort - tPort));

                    assertThat(seenCheck).as("a check flip of one service reached the file").isPositive();
                    assertThat(seenReg).as("a new instance of one service reached the file").isPositive();
                    assertThat(seenPort).as("a port change of one instance reached the file").isPositive();
                    assertThat(startMax).as("open TCP connections during start-up sync").isLessThanOrEqualTo(BUDGET);
                    assertThat(changeMax).as("open TCP connections during changes").isLessThanOrEqualTo(BUDGET);
                    assertThat(startMax).as("the sampler saw lbsync's long polls at all").isGreaterThanOrEqualTo(3);
                }
            }
        }
    }
}
