package io.lbsync.watch;

import io.lbsync.model.CheckState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A failing check without a read: the health of a service's registrations worked out from the body of the checks watch
 * alone, which lists every check that is not passing with its node and service ID. A registration's health is, as in
 * Consul's /v1/health/service answer, the worst of its own checks and its node's. Used when checks appeared in the body
 * or changed status there; a check that left the body may have passed or gone with its registration, so the watch
 * reads that service instead. Saves the read that used to follow a check failing (one request and its round trip).
 */
final class HealthFromChecks {
    private HealthFromChecks() {
    }

    /**
     * The known registrations with the health the checks give them; empty when a check names a registration lbsync does
     * not hold (a new one: it must be read).
     *
     * @param serviceChecks the service's checks that are not passing
     * @param nodeChecks    the node-level checks that are not passing (serfHealth, node maintenance)
     */
    static Optional<ServiceInstances> apply(ServiceInstances known, Set<CheckState> serviceChecks, Set<CheckState> nodeChecks) {
        for (CheckState check : serviceChecks) {
            if (known.instances().stream().noneMatch(i -> i.node().equals(check.node()) && i.id().equals(check.serviceId()))) {
                return Optional.empty();
            }
        }
        List<ServiceInstance> instances = new ArrayList<>(known.instances().size());
        for (ServiceInstance instance : known.instances()) {
            List<HealthStatus> statuses = new ArrayList<>();
            serviceChecks.stream().filter(c -> c.node().equals(instance.node()) && c.serviceId().equals(instance.id()))
                    .forEach(c -> statuses.add(HealthStatus.of(c.status())));
            nodeChecks.stream().filter(c -> c.node().equals(instance.node())).forEach(c -> statuses.add(HealthStatus.of(c.status())));
            HealthStatus status = HealthStatus.worst(statuses);
            instances.add(status == instance.status() ? instance : instance.withStatus(status));
        }
        return Optional.of(new ServiceInstances(known.service(), known.index(), instances));
    }
}
