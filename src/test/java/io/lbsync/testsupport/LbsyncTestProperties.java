package io.lbsync.testsupport;

import java.util.HashMap;
import java.util.Map;

/** The lbsync properties every end-to-end test starts from: its Consul (and token), short quiescence waits. */
public final class LbsyncTestProperties {
    private LbsyncTestProperties() {
    }

    /**
     * A new, modifiable map: {@code lbsync.consul.url} of the cluster, {@code lbsync.consul.wait=10s},
     * {@code lbsync.wait.min=50ms}, {@code lbsync.wait.max=500ms}, a free {@code lbsync.http.port}, and {@code lbsync.consul.token}: the cluster's
     * token when it has one.
     */
    public static Map<String, String> forCluster(ConsulTestCluster cluster) {
        Map<String, String> p = new HashMap<>();
        p.put("lbsync.consul.url", cluster.url());
        p.put("lbsync.consul.wait", "10s");
        p.put("lbsync.wait.min", "50ms");
        p.put("lbsync.wait.max", "500ms");
        // configs go to a fresh directory unless the test says where (the output directory must exist)
        try {
            java.nio.file.Path out = java.nio.file.Files.createTempDirectory("lbsync-test-out");
            p.put("lbsync.haproxy.output", out.resolve("haproxy.cfg").toString());
            p.put("lbsync.nginx.output", out.resolve("nginx.conf").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // tests of other features remove all instances at once; ImplausibleChangeGuardIT turns the guard on
        p.put("lbsync.guard.confirm-after", "0s");
        // several instances may run at once: each gets its own HTTP port
        try {
            p.put("lbsync.http.port", String.valueOf(Ports.free()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String token = cluster.token();
        if (token != null) {
            p.put("lbsync.consul.token", token);
        }
        return p;
    }

    /**
     * {@link #forCluster}, plus a duplicate cleanup that runs every second and 100 ms after a catalog change,
     * knows each test agent's URL ({@code lbsync.cleanup.agent-url.<node>}), and removes unless {@code dryRun};
     * its lock lives under a key prefix of its own (two instances meant to compete must share one).
     */
    public static Map<String, String> forCleanup(ConsulTestCluster cluster, boolean dryRun) {
        Map<String, String> p = forCluster(cluster);
        p.put("lbsync.cleanup.enabled", "true");
        p.put("lbsync.cleanup.dry-run", String.valueOf(dryRun));
        p.put("lbsync.cleanup.interval", "1s");
        p.put("lbsync.cleanup.change-delay", "100ms");
        p.put("lbsync.leader.key-prefix", ConsulTestCluster.unique("lbsync-test/leader"));
        for (String node : cluster.nodes()) {
            p.put("lbsync.cleanup.agent-url." + node, cluster.agentUrl(node));
        }
        return p;
    }
}
