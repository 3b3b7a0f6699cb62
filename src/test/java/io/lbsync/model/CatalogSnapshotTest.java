package io.lbsync.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogSnapshotTest {
    static ServiceInstance instance(String id, String node, int port, HealthStatus status) {
        return ServiceInstance.of("web", id, node, "10.0.0.1", "", port, List.of("b", "a"), Map.of("k", "v"), status);
    }

    static CatalogSnapshot snapshot(long index, ServiceInstance... instances) {
        return CatalogSnapshot.of(index, Map.of("web", new ServiceInstances("web", index, List.of(instances))));
    }

    @Test
    void sameDataAtAnotherIndexIsNotAChange() {
        var a = snapshot(10, instance("web-1", "n1", 80, HealthStatus.PASSING));
        var b = snapshot(11, instance("web-1", "n1", 80, HealthStatus.PASSING));
        assertThat(a.sameDataAs(b)).isTrue();
    }

    @Test
    void orderOfInstancesDoesNotMatter() {
        var one = instance("web-1", "n1", 80, HealthStatus.PASSING);
        var two = instance("web-2", "n2", 80, HealthStatus.PASSING);
        assertThat(snapshot(1, one, two).sameDataAs(snapshot(2, two, one))).isTrue();
        assertThat(snapshot(1, two, one).services().get("web").instances()).containsExactly(one, two);
    }

    @Test
    void healthPortMembershipAndMetaChangesAreChanges() {
        var base = snapshot(1, instance("web-1", "n1", 80, HealthStatus.PASSING));
        assertThat(base.sameDataAs(snapshot(2, instance("web-1", "n1", 80, HealthStatus.CRITICAL)))).isFalse();
        assertThat(base.sameDataAs(snapshot(2, instance("web-1", "n1", 81, HealthStatus.PASSING)))).isFalse();
        assertThat(base.sameDataAs(snapshot(2, instance("web-1", "n1", 80, HealthStatus.PASSING),
                instance("web-1", "n2", 80, HealthStatus.PASSING)))).isFalse();
        var otherMeta = ServiceInstance.of("web", "web-1", "n1", "10.0.0.1", "", 80, List.of("b", "a"), Map.of("k", "w"),
                HealthStatus.PASSING);
        assertThat(base.sameDataAs(snapshot(2, otherMeta))).isFalse();
    }

    @Test
    void anotherServiceOfTheSameCountIsAChange() {
        var web = new ServiceInstances("web", 1, List.of(instance("web-1", "n1", 80, HealthStatus.PASSING)));
        var api = new ServiceInstances("api", 1, List.of(ServiceInstance.of("api", "api-1", "n1", "10.0.0.1", "", 80,
                List.of(), Map.of(), HealthStatus.PASSING)));
        var both = CatalogSnapshot.of(1, Map.of("web", web, "api", api));
        var zed = new ServiceInstances("zed", 1, api.instances());
        assertThat(both.sameDataAs(CatalogSnapshot.of(2, Map.of("web", web, "zed", zed)))).isFalse();
        assertThat(both.sameDataAs(CatalogSnapshot.of(2, new java.util.TreeMap<>(Map.of("api", api, "web", web))))).isTrue();
        assertThat(both.sameDataAs(CatalogSnapshot.of(2, Map.of("web", web)))).isFalse();
    }

    @Test
    void serviceAddressFallsBackToNodeAddress() {
        assertThat(instance("web-1", "n1", 80, HealthStatus.PASSING).address()).isEqualTo("10.0.0.1");
        var own = ServiceInstance.of("web", "web-1", "n1", "10.0.0.1", "10.0.0.9", 80, null, null, HealthStatus.PASSING);
        assertThat(own.address()).isEqualTo("10.0.0.9");
    }

    @Test
    void worstCheckWinsAndNoChecksMeansPassing() {
        assertThat(HealthStatus.worst(List.of(HealthStatus.PASSING, HealthStatus.WARNING))).isEqualTo(HealthStatus.WARNING);
        assertThat(HealthStatus.worst(List.of())).isEqualTo(HealthStatus.PASSING);
        assertThat(HealthStatus.of("maintenance")).isEqualTo(HealthStatus.CRITICAL);
    }

    @Test
    void snapshotsCannotBeModified() {
        var s = snapshot(1, instance("web-1", "n1", 80, HealthStatus.PASSING));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.services().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.services().get("web").instances().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
