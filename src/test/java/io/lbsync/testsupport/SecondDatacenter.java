package io.lbsync.testsupport;

import java.time.Duration;

/**
 * A second real Consul datacenter, {@value #NAME}, federated over WAN with the plain {@link LocalConsul} cluster (dc1),
 * for multi-datacenter tests: one server agent ({@code dc2-server}, 127.N.87.10 with Consul's default ports, no ACLs)
 * that joins the dc1 server's serf WAN port ({@code retry_join_wan}). It is one of the plain cluster's processes:
 * started on first use of {@link LocalConsul#secondDatacenter()}, stopped with the rest (shutdown hook, watchdog, stale
 * PID files), its data wiped at that first start.
 * <p>
 * Services are registered on the dc2 server's own agent ({@link #url()}, {@code PUT /v1/agent/service/register}) and
 * read from dc1 with {@code ?dc=dc2}. Tests normally reach it through
 * {@link ConsulTestCluster#startWithSecondDatacenter}, which skips them on the simulator or an external cluster and
 * cleans up what they registered in dc2:
 *
 * <pre>{@code
 * try (ConsulTestCluster c = ConsulTestCluster.startWithSecondDatacenter("node-1")) {
 *     ConsulTestCluster.Datacenter dc2 = c.secondDatacenter();
 *     dc2.http().registerService(dc2.node(), "{\"Name\":\"web\",\"Port\":80,\"Check\":{\"TTL\":\"30s\"}}");
 *     c.http().get("/v1/health/service/web?dc=dc2");        // read from a dc1 agent
 *     c.pauseSecondDatacenter();                            // SIGSTOP; resume with resumeSecondDatacenter()
 *     c.stopSecondDatacenter();                             // process ends; startSecondDatacenter() brings it back
 * }
 * }</pre>
 *
 * What a dc1 agent answers a {@code ?dc=dc2} read with (Consul 1.9 on loopback, printed by {@code SecondDatacenterIT}),
 * while reads of dc1 answer at once throughout:
 * <ul>
 * <li>dc2 paused: each read hangs about 40 s, then 500 "rpc error making call: rpc error making call: EOF"; about
 * 2 min after the SIGSTOP, WAN gossip has found dc2's server failed, and reads fail at once with 500 "rpc error
 * making call: Remote DC has no server currently reachable". After SIGCONT, reads answer again at once.</li>
 * <li>dc2 stopped: at once 500 "rpc error making call: rpc error getting client: failed to get conn: dial tcp
 * ...-&gt;127.N.87.10:8300: connect: connection refused"; once gossip has found it failed (also about 2 min), "Remote
 * DC has no server currently reachable". Started again, it answers within a second.</li>
 * </ul>
 * {@code /v1/catalog/datacenters} keeps listing dc2 in both cases.
 * <p>
 * A pause holds only while nothing else signals the process: in a run whose mvn was started in the background by a
 * shell that then exited, dc2 got SIGHUP and SIGCONT in the middle of a pause. {@link #pause} waits until the process
 * is stopped and {@link #paused} tells whether it still is, so a test can tell such a run from Consul's behaviour.
 */
public final class SecondDatacenter {
    /** The datacenter's name. */
    public static final String NAME = "dc2";
    private static final Duration FEDERATION_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final LocalConsul dc1;
    private final LocalConsul.Agent server;

    SecondDatacenter(LocalConsul dc1, LocalConsul.Agent server) {
        this.dc1 = dc1;
        this.server = server;
    }

    public String name() {
        return server.datacenter();
    }

    /** The node name of dc2's server agent. */
    public String node() {
        return server.node();
    }

    /** The HTTP API of dc2's server agent: register services in dc2 here. */
    public String url() {
        return server.url();
    }

    /** Stops dc2's server (SIGTERM, as {@link LocalConsul#stopAgent}): it stays a failed member of the WAN pool. */
    public void stop() {
        dc1.stopAgent(node());
    }

    /** Starts dc2's server again with its state, and waits until dc1 reads it again. */
    public void start() {
        dc1.startAgent(node());
        awaitFederated();
    }

    /** SIGSTOP: dc2's server hangs (its connections stay open, nothing is answered). */
    public void pause() {
        dc1.suspendAgent(node());
        dc1.await(name() + " paused", Duration.ofSeconds(5), () -> paused() ? "" : node() + " is not stopped");
    }

    /** True while dc2's server is stopped by {@link #pause}. */
    public boolean paused() {
        return dc1.isSuspended(node());
    }

    /** SIGCONT after {@link #pause}, and waits until dc1 reads dc2 again. */
    public void resume() {
        dc1.resumeAgent(node());
        awaitFederated();
    }

    /** Whatever a test left: dc2's server running, not paused, and read from dc1. */
    void restore() {
        dc1.resumeIfSuspended(node());
        dc1.startAgent(node()); // nothing when it runs
        awaitFederated();
    }

    /**
     * Waits until dc2 has a leader, a dc1 client agent lists both datacenters ({@code /v1/catalog/datacenters}) and a
     * cross-datacenter read through it answers 200 ({@code /v1/catalog/services?dc=dc2}).
     */
    public void awaitFederated() {
        dc1.await("second datacenter " + name(), FEDERATION_TIMEOUT, this::federation);
    }

    /** "" when federated, else what is missing. */
    private String federation() {
        String down = dc1.notRunning(node());
        if (!down.isEmpty()) {
            return down;
        }
        ConsulHttp http = ConsulHttp.plain();
        ConsulHttp.Response leader = http.send("GET", url() + "/v1/status/leader", null, PROBE_TIMEOUT);
        if (leader.status() != 200 || leader.body().replace("\"", "").isBlank()) {
            return name() + " has no leader yet";
        }
        String dc1Agent = dc1.localAgent().url();
        ConsulHttp.Response datacenters = http.send("GET", dc1Agent + "/v1/catalog/datacenters", null, PROBE_TIMEOUT);
        if (datacenters.status() != 200 || !datacenters.body().contains("\"" + name() + "\"")) {
            return dc1.localAgent().node() + " lists datacenters " + datacenters.status() + " " + datacenters.body();
        }
        ConsulHttp.Response read = http.send("GET", dc1Agent + "/v1/catalog/services?dc=" + name(), null, PROBE_TIMEOUT);
        if (read.status() != 200) {
            return dc1.localAgent().node() + " answers a read of " + name() + " with " + read.status() + " " + read.body();
        }
        return "";
    }
}
