package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DuplicateFinderTest {
    private final DuplicateFinder finder = new DuplicateFinder();

    private static ServiceInstance instance(String service, String id, String node, String address, int port) {
        return ServiceInstance.of(service, id, node, "10.9.9.9", address, port, List.of(), Map.of(), HealthStatus.PASSING);
    }

    private static CatalogSnapshot catalog(ServiceInstance... instances) {
        Map<String, ServiceInstances> services = new java.util.TreeMap<>();
        for (ServiceInstance i : instances) {
            ServiceInstances old = services.get(i.service());
            List<ServiceInstance> all = new java.util.ArrayList<>(old == null ? List.of() : old.instances());
            all.add(i);
            services.put(i.service(), new ServiceInstances(i.service(), 1, all));
        }
        return CatalogSnapshot.of(1, services);
    }

    @Test
    void oneIdOnSeveralNodesIsASuspect() {
        CatalogSnapshot c = catalog(instance("web", "web-1", "node-a", "10.0.0.1", 80),
                instance("web", "web-1", "node-b", "10.0.0.1", 80),
                instance("web", "web-2", "node-b", "10.0.0.2", 80),
                instance("api", "web-1", "node-c", "10.0.0.3", 80)); // same ID, other service: not a duplicate
        assertThat(finder.duplicates(c)).containsExactly(new DuplicateFinder.Suspect("web", "web-1", List.of("node-a", "node-b")));
    }

    @Test
    void loneRegistrationsAreNoSuspects() {
        CatalogSnapshot c = catalog(instance("web", "web-1", "node-a", "10.0.0.1", 80), instance("web", "web-2", "node-b", "10.0.0.2", 80));
        assertThat(finder.duplicates(c)).isEmpty();
        assertThat(finder.sharedEndpoints(c)).isEmpty();
    }

    @Test
    void oneAddressAndPortUnderSeveralIdsIsReportedOnly() {
        CatalogSnapshot c = catalog(instance("web", "web-1", "node-a", "10.0.0.1", 80), instance("web", "web-x", "node-b", "10.0.0.1", 80),
                instance("web", "web-3", "node-b", "10.0.0.1", 81));
        assertThat(finder.sharedEndpoints(c))
                .containsExactly(new DuplicateFinder.SharedEndpoint("web", "10.0.0.1:80", List.of("web-1", "web-x")));
        assertThat(finder.duplicates(c)).isEmpty();
    }
}
