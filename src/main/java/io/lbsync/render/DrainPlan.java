package io.lbsync.render;

import io.lbsync.model.ServiceInstance;
import java.util.Collection;
import java.util.List;

/**
 * Registrations kept in the config with weight 0 although Consul no longer says to serve them (maintenance, critical,
 * deregistered), so that the requests they are serving finish: HAProxy with the runtime API drains before it removes
 * ({@code io.lbsync.drain.ServerDrain}). Every other target renders with {@link #NONE}.
 */
public interface DrainPlan {
    DrainPlan NONE = new DrainPlan() {
        @Override
        public Collection<ServiceInstance> departed() {
            return List.of();
        }

        @Override
        public boolean draining(ServiceInstance instance) {
            return false;
        }

        @Override
        public void placed(ServiceInstance instance, String backend, String server) {
        }

        @Override
        public void built() {
        }
    };

    /** Deregistered registrations that still drain, as last seen: rendered as if still in the catalog. */
    Collection<ServiceInstance> departed();

    /** Whether this registration is rendered with weight 0 whatever its health. */
    boolean draining(ServiceInstance instance);

    /** Called for every server of the model: the backend and server name the registration got. */
    void placed(ServiceInstance instance, String backend, String server);

    /** Called when the model is complete: its placements are the next config's servers. */
    void built();
}
