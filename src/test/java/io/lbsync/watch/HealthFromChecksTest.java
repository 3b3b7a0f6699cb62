package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CheckState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthFromChecksTest {
    private static ServiceInstance web(String id, String node, HealthStatus status) {
        return ServiceInstance.of("web", id, node, "10.0.0.1", "10.0.0.2", 80, List.of(), Map.of(), status);
    }

    private static final ServiceInstances KNOWN = new ServiceInstances("web", 7, List.of(
            web("web-1", "n1", HealthStatus.PASSING), web("web-2", "n2", HealthStatus.CRITICAL), web("web-1", "n3", HealthStatus.PASSING)));

    @Test
    void eachRegistrationTakesTheWorstOfItsOwnAndItsNodesChecksAndPassesWithoutAny() {
        var worked = HealthFromChecks.apply(KNOWN,
                Set.of(new CheckState("n1", "c1", "web", "web-1", "warning"), new CheckState("n1", "c2", "web", "web-1", "critical")),
                Set.of(new CheckState("n3", "serfHealth", "", "", "critical"), new CheckState("n9", "serfHealth", "", "", "critical")));
        assertThat(worked).get().extracting(ServiceInstances::instances).asList()
                .extracting(i -> ((ServiceInstance) i).id() + "@" + ((ServiceInstance) i).node() + " " + ((ServiceInstance) i).status())
                .containsExactly("web-1@n1 CRITICAL", "web-1@n3 CRITICAL", "web-2@n2 PASSING");
        assertThat(worked.get().index()).as("not a read: the index stays that of the last read").isEqualTo(7);
    }

    @Test
    void aCheckOfARegistrationNotHeldMeansTheServiceMustBeRead() {
        assertThat(HealthFromChecks.apply(KNOWN, Set.of(new CheckState("n4", "c1", "web", "web-4", "critical")), Set.of())).isEmpty();
        assertThat(HealthFromChecks.apply(KNOWN, Set.of(new CheckState("n2", "c1", "web", "web-1", "critical")), Set.of()))
                .as("same ID, other node: another registration").isEmpty();
    }
}
