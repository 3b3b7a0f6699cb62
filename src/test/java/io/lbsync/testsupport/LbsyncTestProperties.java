package io.lbsync.testsupport;

import java.util.HashMap;
import java.util.Map;

/** The lbsync properties every end-to-end test starts from: its Consul (and token), short quiescence waits. */
public final class LbsyncTestProperties {
    private LbsyncTestProperties() {
    }

    /**
     * A new, modifiable map: {@code lbsync.consul.url} of the cluster, {@code lbsync.consul.wait=10s},
     * {@code lbsync.wait.min=50ms}, {@code lbsync.wait.max=500ms}, and {@code lbsync.consul.token} from
     * {@code CONSUL_HTTP_TOKEN} when that is set.
     */
    public static Map<String, String> forCluster(ConsulTestCluster cluster) {
        Map<String, String> p = new HashMap<>();
        p.put("lbsync.consul.url", cluster.url());
        p.put("lbsync.consul.wait", "10s");
        p.put("lbsync.wait.min", "50ms");
        p.put("lbsync.wait.max", "500ms");
        String token = System.getenv("CONSUL_HTTP_TOKEN");
        if (token != null) {
            p.put("lbsync.consul.token", token);
        }
        return p;
    }
}
