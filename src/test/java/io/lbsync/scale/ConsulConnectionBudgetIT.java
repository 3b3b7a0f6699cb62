package io.lbsync.scale;

import static io.lbsync.scale.ScaleHarness.marker;
import static io.lbsync.scale.ScaleHarness.ms;
import static org.assertj.core.api.Assertions.assertThat;

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
 * services are registered through the simulator's Java API, or on real Consul through another agent, so that the
 * test's own connections are not counted. Requests are counted on the simulator only.
 */
class ConsulConnectionBudgetIT {
    static final int SERVICES = 2_000;
    static final int BUDGET = 8;
    private static final Duration CHANGE_LIMIT = Duration.ofSeconds(10);

    @Test
    void twoThousandServicesStayWithinTheConnectionBudget() throws Exception {
        Assumptions.assumeTrue(TcpConnections.available(), "needs /proc/net/tcp (Linux)");
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            ScaleConsul consul = ScaleConsul.of(cluster);
            consul.populate(SERVICES, 1);
            Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true);
            Path output = Path.of(p.get("lbsync.haproxy.output"));
            long beforeRequests = consul.requestCount();

            // Earlier tests in this JVM may have left JDK HttpClients (test support) with idle keep-alive connections to
            // this agent: JDK 17 cannot close them, but a collected client's selector thread closes them (within ~3 s).
            // lbsync's own plain-http client is JVM-wide and stays (an app reuses its connections).
            int before = TcpConnections.established(consul.agentHost(), consul.agentPort(), "127.0.0.1");
            for (int i = 0; i < 20 && before > 0; i++) {
                System.gc();
                Thread.sleep(500);
                before = TcpConnections.established(consul.agentHost(), consul.agentPort(), "127.0.0.1");
            }
            System.out.printf("ConsulConnectionBudgetIT: open TCP connections to the agent before lbsync starts %d%n", before);
            try (ScaleHarness.ConnectionSampler sampler = new ScaleHarness.ConnectionSampler(consul, 2)) {
                long t0 = System.nanoTime();
                try (LbsyncApp app = LbsyncApp.start(p)) {
                    String last = marker(SERVICES - 1, 0, ScaleHarness.port(SERVICES - 1, 0));
                    long synced = ScaleHarness.waitForFile(output, t -> t.contains(last), t0 + Duration.ofSeconds(40).toNanos());
                    assertThat(synced).as("all %d services rendered after start", SERVICES).isPositive();
                    String startRequests = requests(beforeRequests, consul.requestCount());
                    int startMax = sampler.maxTcp();
                    int startInFlight = sampler.maxInFlight();
                    int startSamples = sampler.samples();
                    int startThreads = Thread.activeCount();

                    sampler.reset();
                    long changesFrom = consul.requestCount();
                    // a stream of changes: new instances, check flips, K/V writes, deregistrations
                    String kvPrefix = ConsulTestCluster.unique("lbsync/scale");
                    for (int k = 0; k < 60; k++) {
                        int s = (k * 37) % SERVICES;
                        switch (k % 4) {
                            case 0 -> consul.register(s, 1, ScaleHarness.port(s, 1));
                            case 1 -> consul.setCheck(s, 0, "critical");
                            case 2 -> consul.putKv(kvPrefix + "/k" + k, "v" + k);
                            default -> consul.deregister((k - 3) * 37 % SERVICES, 1);
                        }
                        Thread.sleep(50);
                    }
                    // one change per kind to a single service, each timed to the file
                    long tCheck = System.nanoTime();
                    consul.setCheck(1234, 0, "critical");
                    String m1234 = marker(1234, 0, ScaleHarness.port(1234, 0));
                    long seenCheck = ScaleHarness.waitForFile(output, t -> !t.contains(m1234), tCheck + CHANGE_LIMIT.toNanos());
                    long tReg = System.nanoTime();
                    consul.register(1500, 2, ScaleHarness.port(1500, 2));
                    String m1500 = marker(1500, 2, ScaleHarness.port(1500, 2));
                    long seenReg = ScaleHarness.waitForFile(output, t -> t.contains(m1500), tReg + CHANGE_LIMIT.toNanos());
                    long tPort = System.nanoTime();
                    consul.register(300, 0, 65_000);
                    String m300 = marker(300, 0, 65_000);
                    long seenPort = ScaleHarness.waitForFile(output, t -> t.contains(m300), tPort + CHANGE_LIMIT.toNanos());
                    Thread.sleep(500);
                    String changeRequests = requests(changesFrom, consul.requestCount());
                    int changeMax = sampler.maxTcp();
                    int changeInFlight = sampler.maxInFlight();
                    int changeSamples = sampler.samples();
                    int steady = sampler.nowTcp();
                    int changeThreads = Thread.activeCount();
                    long consulHttpThreads = Thread.getAllStackTraces().keySet().stream()
                            .filter(t -> t.getName().startsWith("lbsync-consul-http-")).count();

                    System.out.printf("ConsulConnectionBudgetIT: %d services; start-up sync to file %d ms, %s requests; "
                                    + "max open TCP connections to the agent %d (max requests in flight %d, %d samples)%n",
                            SERVICES, ms(synced - t0), startRequests, startMax, startInFlight, startSamples);
                    System.out.printf("ConsulConnectionBudgetIT: during 60 changes + 3 timed ones: max open TCP connections %d "
                                    + "(max in flight %d, %d samples), %s requests; open now %d%n", changeMax, changeInFlight,
                            changeSamples, changeRequests, steady);
                    System.out.printf("ConsulConnectionBudgetIT: single-service change to file: check flip %d ms, new instance "
                                    + "%d ms, port change (found by the sweep) %d ms%n", ms(seenCheck - tCheck),
                            ms(seenReg - tReg), ms(seenPort - tPort));

                    System.out.printf("ConsulConnectionBudgetIT: threads in the JVM after start-up %d, after the changes %d; "
                            + "Consul client executor threads %d%n", startThreads, changeThreads, consulHttpThreads);

                    assertThat(seenCheck).as("a check flip of one service reached the file").isPositive();
                    assertThat(seenReg).as("a new instance of one service reached the file").isPositive();
                    assertThat(seenPort).as("a port change of one instance reached the file").isPositive();
                    assertThat(startMax).as("open TCP connections during start-up sync").isLessThanOrEqualTo(BUDGET);
                    assertThat(changeMax).as("open TCP connections during changes").isLessThanOrEqualTo(BUDGET);
                    assertThat(startMax).as("the sampler saw lbsync's long polls at all").isGreaterThanOrEqualTo(3);
                    // one Consul HTTP client for the whole app, with a fixed executor (io.lbsync.consul.ConsulClientFactory)
                    assertThat(consulHttpThreads).as("Consul client executor threads").isLessThanOrEqualTo(2);
                }
            }
        }
    }

    private static String requests(long before, long after) {
        return before < 0 ? "(not counted on real Consul)" : Long.toString(after - before);
    }
}
