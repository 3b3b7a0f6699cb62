package io.lbsync.leader;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.lbsync.consul.ConsulClient;
import org.apache.camel.support.cluster.AbstractCamelClusterService;

/**
 * Camel cluster service over a Consul session lock, so a YAML route runs on one lbsync instance only:
 * {@code from: master:<namespace>:<endpoint>}. One lock per namespace, at {@code <key-prefix>/<namespace>}.
 * <p>
 * Ours rather than camel-consul's ConsulClusterService, which (4.17) sends the ACL token as a URL parameter,
 * retries a failing Consul in a tight loop, and never creates a new session once its session expired — after
 * an outage longer than the TTL that instance could never lead again.
 */
public final class ConsulLeaderElection extends AbstractCamelClusterService<ConsulLeaderView> {
    private final ConsulClient consul;
    private final LeaderSettings settings;
    private final Map<String, ConsulLeaderView> views = new ConcurrentHashMap<>();

    /** @param consul the process's Consul client (lbsync's token), shared by every view */
    public ConsulLeaderElection(ConsulClient consul, LeaderSettings settings) {
        super("consul-leader");
        this.consul = consul;
        this.settings = settings;
    }

    @Override
    protected ConsulLeaderView createView(String namespace) {
        ConsulLeaderView view = new ConsulLeaderView(this, namespace, consul, settings);
        views.put(namespace, view);
        return view;
    }

    /** The instance name in the lock of a namespace as last seen; empty when nobody holds it or nobody here asked. */
    public String leaderOf(String namespace) {
        ConsulLeaderView view = views.get(namespace);
        return view == null ? "" : view.leaderName();
    }
}
