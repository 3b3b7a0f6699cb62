package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.RemoteCatalogs;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Local first, then the first other datacenter in order that can serve; a service may name its own order. */
class FailoverTest {
    private static final TemplateParams PARAMS = new TemplateParams("haproxy", k -> Optional.empty());

    private static ServiceInstance web(String id, String dc, HealthStatus status, Map<String, String> meta) {
        return ServiceInstance.of("web", id, "n-" + id, "10.0.0.1", "10.0.1." + (id.hashCode() & 0x7f), 80, List.of(), meta, status)
                .inDatacenter(dc);
    }

    private static CatalogSnapshot catalog(String dc, ServiceInstance... instances) {
        return CatalogSnapshot.of(3, Map.of("web", new ServiceInstances("web", 3, List.of(instances))), dc);
    }

    private static ConsulState state(CatalogSnapshot local, CatalogSnapshot... remote) {
        Map<String, CatalogSnapshot> byDc = new java.util.LinkedHashMap<>();
        for (CatalogSnapshot r : remote) {
            byDc.put(r.datacenter(), r);
        }
        return new ConsulState(local, KvSnapshot.empty("lbsync/"), 0, new RemoteCatalogs(List.of("dc1", "dc2", "dc3"), byDc));
    }

    private static List<String> servers(ConsulState state) {
        @SuppressWarnings("unchecked")
        var services = (List<Map<String, Object>>) new TemplateModelBuilder().build(state, PARAMS).get("services");
        @SuppressWarnings("unchecked")
        var servers = (List<Map<String, Object>>) services.get(0).get("servers");
        return servers.stream().map(s -> s.get("name") + "@" + s.get("datacenter") + (Boolean.TRUE.equals(s.get("backup")) ? " backup" : ""))
                .toList();
    }

    @Test
    void theNearestOtherDatacenterThatCanServeGivesTheBackups() {
        CatalogSnapshot dc1 = catalog("", web("a", "dc1", HealthStatus.PASSING, Map.of()));
        CatalogSnapshot dc2 = catalog("dc2", web("b", "dc2", HealthStatus.CRITICAL, Map.of()));
        CatalogSnapshot dc3 = catalog("dc3", web("c", "dc3", HealthStatus.PASSING, Map.of()));
        assertThat(servers(state(dc1, dc2, dc3))).as("dc2 cannot serve: dc3's instances are the backups")
                .containsExactly("a@dc1", "c.dc3@dc3 backup");
        CatalogSnapshot dc2Up = catalog("dc2", web("b", "dc2", HealthStatus.PASSING, Map.of()));
        assertThat(servers(state(dc1, dc2Up, dc3))).containsExactly("a@dc1", "b.dc2@dc2 backup");
    }

    @Test
    void withOneDatacenterNothingIsABackup() {
        ConsulState one = new ConsulState(catalog("", web("a", "dc1", HealthStatus.PASSING, Map.of())), KvSnapshot.empty("lbsync/"));
        assertThat(servers(one)).containsExactly("a@dc1");
    }

    @Test
    void aServiceMayStayInItsDatacenterOrLiveElsewhere() {
        CatalogSnapshot dc1 = catalog("", web("a", "dc1", HealthStatus.PASSING, Map.of(Failover.DATACENTERS_META, "dc1")));
        CatalogSnapshot dc2 = catalog("dc2", web("b", "dc2", HealthStatus.PASSING, Map.of()));
        assertThat(servers(state(dc1, dc2))).as("lbsync-datacenters=dc1: never leaves dc1").containsExactly("a@dc1");

        CatalogSnapshot dc1Plain = catalog("", web("a", "dc1", HealthStatus.PASSING, Map.of()));
        CatalogSnapshot dc2First = catalog("dc2", web("b", "dc2", HealthStatus.PASSING, Map.of(Failover.DATACENTERS_META, "dc2, dc1, nowhere")));
        assertThat(servers(state(dc1Plain, dc2First))).as("dc2 first: dc1 is its backup; unwatched names ignored")
                .containsExactly("a.dc1@dc1 backup", "b@dc2");
    }

    @Test
    void aDatacenterThatNeverAnsweredGivesNoBackupsAndHoldsNothingUp() {
        CatalogSnapshot dc1 = catalog("", web("a", "dc1", HealthStatus.CRITICAL, Map.of()));
        assertThat(servers(state(dc1))).isEmpty();
    }
}
