package io.lbsync.leader;

import java.util.function.Supplier;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.kiwiproject.consul.Consul;

/**
 * Camel cluster service over a Consul session lock, so a YAML route runs on one lbsync instance only:
 * {@code from: master:<namespace>:<endpoint>}. One lock per namespace, at {@code <key-prefix>/<namespace>}.
 * <p>
 * Ours rather than camel-consul's ConsulClusterService, which (4.17) sends the ACL token as a URL parameter,
 * retries a failing Consul in a tight loop, and never creates a new session once its session expired — after
 * an outage longer than the TTL that instance could never lead again.
 */
public final class ConsulLeaderElection extends AbstractCamelClusterService<ConsulLeaderView> {
    private final Supplier<Consul> clients;
    private final LeaderSettings settings;

    /** @param clients makes a Consul client per view (each closes its own when it stops) */
    public ConsulLeaderElection(Supplier<Consul> clients, LeaderSettings settings) {
        super("consul-leader");
        this.clients = clients;
        this.settings = settings;
    }

    @Override
    protected ConsulLeaderView createView(String namespace) {
        return new ConsulLeaderView(this, namespace, clients, settings);
    }

    /** The instance name holding the lock of a namespace, if any (read from Consul). */
    public String leaderOf(String namespace) throws Exception {
        return ((ConsulLeaderView) getView(namespace)).leaderName();
    }
}
