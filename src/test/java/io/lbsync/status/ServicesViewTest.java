package io.lbsync.status;

import io.lbsync.model.WarningPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status page's per-instance verdicts follow the template model's rules. */
class ServicesViewTest {
    private static ServiceInstance instance(String id, String address, int port, List<String> tags, HealthStatus status) {
        return ServiceInstance.of("web", id, "n1", "10.0.0.1", address, port, tags, Map.of(), status);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> instances(Map<String, Object> view) {
        List<Map<String, Object>> services = (List<Map<String, Object>>) view.get("services");
        return (List<Map<String, Object>>) services.get(0).get("instances");
    }

    @Test
    void eachInstanceSaysWhetherItIsRenderedAndWhyNot() {
        CatalogSnapshot catalog = CatalogSnapshot.of(7, Map.of("web", new ServiceInstances("web", 7, List.of(
                instance("a-ok", "10.0.0.2", 80, List.of("lbsync.host=<b>"), HealthStatus.PASSING),
                instance("b-warn", "10.0.0.3", 80, List.of(), HealthStatus.WARNING),
                instance("c-addr", "<img src=x>", 80, List.of(), HealthStatus.PASSING),
                instance("d-port", "10.0.0.4", 0, List.of(), HealthStatus.PASSING),
                instance("e-env", "10.0.0.5", 80, List.of("env=Not Valid"), HealthStatus.PASSING),
                instance("f-prod", "10.0.0.6", 80, List.of("env=prod"), HealthStatus.PASSING)))));
        Map<String, Object> view = new ServicesView(100, WarningPolicy.EXCLUDE).of(catalog);
        List<Map<String, Object>> is = instances(view);
        assertThat(is).extracting(i -> i.get("rendered")).containsExactly(true, false, false, false, false, true);
        assertThat(is.get(0).get("notes").toString()).contains("host \"<b>\"");
        assertThat(is.get(1).get("reason").toString()).isEqualTo("health: warning (lbsync.health.warning=exclude)");
        assertThat(is.get(2).get("reason").toString()).contains("address \"<img src=x>\"");
        assertThat(is.get(3).get("reason").toString()).contains("port 0");
        assertThat(is.get(4).get("reason").toString()).contains("env declaration");
        assertThat(is.get(5).get("notes")).isEqualTo(List.of("environment prod"));
        assertThat(view).containsEntry("instances", 6).containsEntry("rendered", 2).containsEntry("listed", 6);

        List<Map<String, Object>> served = instances(new ServicesView(100, WarningPolicy.SERVE).of(catalog));
        assertThat(served.get(1)).containsEntry("rendered", true).containsEntry("weight", 1);
        assertThat(served.get(1).get("notes")).isEqualTo(List.of("warning: weight 1 (lbsync.health.warning=serve)"));
        List<Map<String, Object>> drained = instances(new ServicesView(100, WarningPolicy.DRAIN).of(catalog));
        assertThat(drained.get(1)).containsEntry("rendered", true).containsEntry("weight", 0);
    }

    @Test
    void listsAtMostTheLimitButCountsAll() {
        CatalogSnapshot catalog = CatalogSnapshot.of(7, Map.of("web", new ServiceInstances("web", 7, List.of(
                instance("a", "10.0.0.2", 80, List.of(), HealthStatus.PASSING),
                instance("b", "10.0.0.3", 80, List.of(), HealthStatus.CRITICAL)))));
        Map<String, Object> view = new ServicesView(1, WarningPolicy.SERVE).of(catalog);
        assertThat(instances(view)).hasSize(1);
        assertThat(view).containsEntry("instances", 2).containsEntry("listed", 1);
    }
}
