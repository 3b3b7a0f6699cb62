package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import io.lbsync.model.Weights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateModelBuilderTest {
    private static final Map<String, String> PROPERTIES = Map.of("lbsync.haproxy.param.bind", "127.0.0.1:18081");
    private static final TemplateParams PARAMS = new TemplateParams("haproxy", k -> Optional.ofNullable(PROPERTIES.get(k)));

    static ServiceInstance web(String id, String node, String address, int port, HealthStatus status, List<String> tags) {
        return ServiceInstance.of("web", id, node, "10.0.0.1", address, port, tags, Map.of(), status);
    }

    static ConsulState state(ServiceInstance... instances) {
        return new ConsulState(CatalogSnapshot.of(5, Map.of("web", new ServiceInstances("web", 5, List.of(instances)))),
                KvSnapshot.empty("lbsync/"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> servers(Map<String, Object> model) {
        var services = (List<Map<String, Object>>) model.get("services");
        return (List<Map<String, Object>>) services.get(0).get("servers");
    }

    @Test
    void warningInstancesFollowThePolicyAndCriticalOnesAreLeftOut() {
        ConsulState state = state(
                web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of()).withWeights(new Weights(10, 2)),
                web("web-2", "n2", "10.0.0.12", 80, HealthStatus.WARNING, List.of()).withWeights(new Weights(10, 2)),
                web("web-3", "n3", "10.0.0.13", 80, HealthStatus.CRITICAL, List.of()));
        assertThat(servers(new TemplateModelBuilder(WarningPolicy.SERVE).build(state, PARAMS)))
                .extracting(s -> s.get("name") + " " + s.get("weight") + " " + s.get("state"))
                .containsExactly("web-1 10 passing", "web-2 2 warning");
        assertThat(servers(new TemplateModelBuilder(WarningPolicy.DRAIN).build(state, PARAMS)))
                .extracting(s -> s.get("name") + " " + s.get("weight") + " " + s.get("state"))
                .containsExactly("web-1 10 passing", "web-2 0 warning");
        assertThat(servers(new TemplateModelBuilder(WarningPolicy.EXCLUDE).build(state, PARAMS)))
                .extracting(s -> s.get("name") + " " + s.get("weight")).containsExactly("web-1 10");
    }

    @Test
    void withoutExplicitWeightsEveryServerWeighsOne() {
        var model = new TemplateModelBuilder().build(state(
                web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of()),
                web("web-2", "n2", "10.0.0.12", 80, HealthStatus.WARNING, List.of())), PARAMS);
        assertThat(servers(model)).extracting(s -> s.get("weight")).containsExactly(1, 1);
    }

    @Test
    void weightsAboveHaproxysLimitAreScaledInProportionNeverToZero() {
        var model = new TemplateModelBuilder().build(state(
                web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of()).withWeights(new Weights(1000, 1)),
                web("web-2", "n2", "10.0.0.12", 80, HealthStatus.PASSING, List.of()).withWeights(new Weights(500, 1)),
                web("web-3", "n3", "10.0.0.13", 80, HealthStatus.PASSING, List.of()).withWeights(new Weights(1, 1))), PARAMS);
        assertThat(servers(model)).extracting(s -> s.get("weight")).containsExactly(256, 128, 1);
    }

    @Test
    void aDrainingRegistrationStaysWithWeightZeroEvenWhenGoneFromConsul() {
        ServiceInstance critical = web("web-2", "n2", "10.0.0.12", 80, HealthStatus.CRITICAL, List.of("lbsync.host=old.test"));
        ServiceInstance gone = web("web-3", "n3", "10.0.0.13", 80, HealthStatus.PASSING, List.of("lbsync.host=old.test"));
        Map<String, String> placed = new java.util.TreeMap<>();
        DrainPlan plan = new DrainPlan() {
            @Override
            public java.util.Collection<ServiceInstance> departed() {
                return List.of(gone);
            }

            @Override
            public boolean draining(ServiceInstance instance) {
                return instance.key().equals(critical.key()) || instance.key().equals(gone.key());
            }

            @Override
            public void placed(ServiceInstance instance, String backend, String server) {
                placed.put(instance.id(), backend + "/" + server);
            }

            @Override
            public void built() {
            }
        };
        var model = new TemplateModelBuilder().build(state(
                web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of("lbsync.host=web.test")), critical), PARAMS, plan);
        assertThat(servers(model)).extracting(s -> s.get("name") + " " + s.get("weight") + " " + s.get("state"))
                .containsExactly("web-1 1 passing", "web-2 0 draining", "web-3 0 draining");
        assertThat(placed).containsExactly(Map.entry("web-1", "web/web-1"), Map.entry("web-2", "web/web-2"),
                Map.entry("web-3", "web/web-3"));
        @SuppressWarnings("unchecked")
        var service = ((List<Map<String, Object>>) model.get("services")).get(0);
        // the host names of a draining registration do not keep a route alive; the gone one is not counted as passing
        assertThat(service.get("hosts")).isEqualTo(List.of("web.test"));
        assertThat(service.get("passingCount")).isEqualTo(1);
    }

    @Test
    void oneServiceIdOnTwoNodesGivesTwoDistinctServerNames() {
        var model = new TemplateModelBuilder().build(state(
                web("web-1", "node-a", "10.0.0.11", 80, HealthStatus.PASSING, List.of()),
                web("web-1", "node-b", "10.0.0.11", 80, HealthStatus.PASSING, List.of())), PARAMS);
        assertThat(servers(model)).extracting(s -> s.get("name")).containsExactly("web-1.node-a", "web-1.node-b");
    }

    @Test
    void namesThatCollideAfterSanitisingStayUnique() {
        var model = new TemplateModelBuilder().build(state(
                web("web 1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of()),
                web("web_1", "n2", "10.0.0.12", 80, HealthStatus.PASSING, List.of())), PARAMS);
        assertThat(servers(model)).extracting(s -> s.get("name")).containsExactly("web_1", "web_1_2");
    }

    @Test
    void invalidAddressesAndPortsAreLeftOut() {
        var model = new TemplateModelBuilder().build(state(
                web("ok", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of()),
                web("bad-addr", "n1", "10.0.0.1\n    server evil 6.6.6.6:80", 80, HealthStatus.PASSING, List.of()),
                web("bad-port", "n1", "10.0.0.12", 0, HealthStatus.PASSING, List.of())), PARAMS);
        assertThat(servers(model)).extracting(s -> s.get("name")).containsExactly("ok");
    }

    @Test
    void hostsComeFromTagsAndMetaAndAreValidated() {
        var tagged = web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING,
                List.of("lbsync.host=Shop.example.com", "lbsync.host=evil.com use_backend x", "other"));
        var withMeta = ServiceInstance.of("web", "web-2", "n2", "10.0.0.1", "10.0.0.12", 80, List.of(),
                Map.of("lbsync-host", "www.example.com, api.example.com"), HealthStatus.PASSING);
        assertThat(TemplateModelBuilder.hostsOf(tagged)).containsExactly("shop.example.com");
        assertThat(TemplateModelBuilder.hostsOf(withMeta)).containsExactly("www.example.com", "api.example.com");
    }

    @Test
    void theDefaultTemplatePassesHaproxyCheckWithDuplicatesAndIpv6(@TempDir Path dir) throws Exception {
        var model = new TemplateModelBuilder().build(state(
                web("web-1", "node-a", "10.0.0.11", 80, HealthStatus.PASSING,
                        List.of("lbsync.host=shop.example.com", "lbsync.host=*.shop.example.com")),
                web("web-1", "node-b", "10.0.0.11", 80, HealthStatus.PASSING, List.of()),
                web("web-6", "node-c", "::1", 8080, HealthStatus.PASSING, List.of())), PARAMS);
        String config = new TemplateRenderer("classpath:templates/haproxy.cfg.ftl").render(model);
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Process check = new ProcessBuilder("haproxy", "-c", "-q", "-f", file.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(output + "\n" + config).isZero();
        assertThat(config).contains("bind 127.0.0.1:18081", "server web-1.node-a 10.0.0.11:80", "server web-6 [::1]:8080",
                "acl host_web hdr(host),field(1,:) -i shop.example.com",
                "acl host_web hdr(host),field(1,:) -i -m end .shop.example.com");
    }

    @Test
    void theDefaultNginxTemplatePassesNginxTestWithAnEmptyUpstreamAndKvSites(@TempDir Path dir) throws Exception {
        var catalog = CatalogSnapshot.of(5, Map.of(
                "web", new ServiceInstances("web", 5, List.of(web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of()))),
                "api", new ServiceInstances("api", 5, List.of(web("api-1", "n1", "10.0.0.12", 80, HealthStatus.CRITICAL, List.of())))));
        var kv = KvSnapshot.of(6, "lbsync/", Map.of(
                "sites/shop", "{\"server_names\": [\"shop.example.com\"], \"listen\": 18090, "
                        + "\"routes\": {\"/\": \"web\", \"/api/\": \"api\", \"/gone/\": \"nothing\"}}",
                "sites/broken", "{not json"));
        Map<String, String> properties = Map.of("lbsync.nginx.param.pid", dir.resolve("nginx.pid").toString(),
                "lbsync.nginx.param.error_log", dir.resolve("error.log").toString(),
                "lbsync.nginx.param.listen_address", "127.0.0.1");
        var model = new TemplateModelBuilder().build(new ConsulState(catalog, kv),
                new TemplateParams("nginx", k -> Optional.ofNullable(properties.get(k))));
        String config = new TemplateRenderer("classpath:templates/nginx.conf.ftl").render(model);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, config);
        Process check = new ProcessBuilder("nginx", "-t", "-q", "-p", dir.toString(), "-c", file.toString())
                .redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(output + "\n" + config).isZero();
        assertThat(config).contains("upstream api {", "server 127.0.0.1:9 down;", "listen 127.0.0.1:18090;",
                "server_name shop.example.com;", "proxy_pass http://web;", "return 503;").doesNotContain("broken");
    }

    @Test
    void anUnchangedServiceKeepsItsModelEntryAndItsRejectionsWhileAChangedOneIsBuiltAgain() {
        ServiceInstance bad = ServiceInstance.of("api", "api-1", "n1", "10.0.0.1", "not an address!", 80, List.of(), Map.of(),
                HealthStatus.PASSING);
        ServiceInstances api = new ServiceInstances("api", 5, List.of(bad,
                ServiceInstance.of("api", "api-2", "n2", "10.0.0.2", "10.0.0.22", 80, List.of(), Map.of(), HealthStatus.PASSING)));
        ServiceInstance web1 = web("web-1", "n1", "10.0.0.11", 80, HealthStatus.PASSING, List.of());
        RejectedValues rejected = new RejectedValues();
        TemplateModelBuilder builder = new TemplateModelBuilder(rejected, WarningPolicy.SERVE);
        var first = builder.build(new ConsulState(CatalogSnapshot.of(5, Map.of("api", api,
                "web", new ServiceInstances("web", 5, List.of(web1)))), KvSnapshot.empty("lbsync/")), PARAMS);
        var second = builder.build(new ConsulState(CatalogSnapshot.of(6, Map.of("api", api, "web", new ServiceInstances("web", 6,
                List.of(web1, web("web-2", "n2", "10.0.0.12", 80, HealthStatus.PASSING, List.of()))))), KvSnapshot.empty("lbsync/")), PARAMS);

        var apiBefore = ((List<?>) first.get("services")).get(0);
        var apiAfter = ((List<?>) second.get("services")).get(0);
        assertThat(apiAfter).as("api did not change: its entry is reused").isSameAs(apiBefore);
        @SuppressWarnings("unchecked")
        var webAfter = (Map<String, Object>) ((List<?>) second.get("services")).get(1);
        assertThat((List<?>) webAfter.get("servers")).as("web changed: built again").hasSize(2);
        // the reused entry still reports its rejected instance: not "gone" (counted once), still in the gauge
        assertThat(rejected.count(RejectedValues.Field.ADDRESS)).isEqualTo(1);
        assertThat(rejected.current(RejectedValues.Field.ADDRESS)).isEqualTo(1);
    }
}
