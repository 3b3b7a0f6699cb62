package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment convention (tag env=..., meta env) and the "environments" part of the template model. */
@SuppressWarnings("unchecked")
class EnvironmentsTest {
    private static final Map<String, String> PROPERTIES = Map.of(
            "lbsync.haproxy.param.bind", "127.0.0.1:18080",
            "lbsync.haproxy.param.bind.prod", "127.0.0.1:18081",
            "lbsync.haproxy.param.bind.staging", "127.0.0.1:18082");

    private static ServiceInstance instance(String service, String id, String address, HealthStatus status,
                                            List<String> tags, Map<String, String> meta) {
        return ServiceInstance.of(service, id, "n1", "10.0.0.1", address, 80, tags, meta, status);
    }

    private static ServiceInstance tagged(String service, String id, String address, String... tags) {
        return instance(service, id, address, HealthStatus.PASSING, List.of(tags), Map.of());
    }

    private static ConsulState state(ServiceInstance... instances) {
        Map<String, List<ServiceInstance>> byService = new LinkedHashMap<>();
        for (ServiceInstance i : instances) {
            byService.computeIfAbsent(i.service(), s -> new ArrayList<>()).add(i);
        }
        Map<String, ServiceInstances> services = new HashMap<>();
        byService.forEach((name, list) -> services.put(name, new ServiceInstances(name, 7, list)));
        return new ConsulState(CatalogSnapshot.of(7, services), KvSnapshot.empty("lbsync/"));
    }

    private static Map<String, Object> model(ConsulState state) {
        return model(state, PROPERTIES);
    }

    private static Map<String, Object> model(ConsulState state, Map<String, String> properties) {
        return new TemplateModelBuilder().build(state, new TemplateParams("haproxy", k -> Optional.ofNullable(properties.get(k))));
    }

    private static List<Map<String, Object>> services(Map<String, Object> model) {
        return (List<Map<String, Object>>) model.get("services");
    }

    private static List<Map<String, Object>> environments(Map<String, Object> model) {
        return (List<Map<String, Object>>) model.get("environments");
    }

    private static Map<String, Object> environment(Map<String, Object> model, String name) {
        return environments(model).stream().filter(e -> e.get("name").equals(name)).findFirst().orElseThrow();
    }

    private static List<Map<String, Object>> services(Map<String, Object> model, String env) {
        return (List<Map<String, Object>>) environment(model, env).get("services");
    }

    private static List<Object> serverIds(Map<String, Object> service) {
        return ((List<Map<String, Object>>) service.get("servers")).stream().map(s -> s.get("id")).toList();
    }

    @Test
    void anInstanceThatDeclaresAnEnvironmentIsOnlyInThatEnvironment() {
        var model = model(state(
                tagged("web", "web-shared", "10.0.0.10"),
                tagged("web", "web-prod-1", "10.0.0.11", "env=prod"),
                instance("web", "web-prod-2", "10.0.0.12", HealthStatus.PASSING, List.of(), Map.of("env", "prod")),
                tagged("web", "web-staging", "10.0.0.13", "env=staging"),
                tagged("api", "api-prod", "10.0.0.14", "env=prod")));

        // the shared part: only web-shared; api has no undeclared instance, so no shared api at all
        assertThat(services(model)).extracting(s -> s.get("name")).containsExactly("web");
        assertThat(serverIds(services(model).get(0))).containsExactly("web-shared");
        assertThat(services(model).get(0)).containsEntry("instanceCount", 1).containsEntry("backend", "web");

        assertThat(environments(model)).extracting(e -> e.get("name")).containsExactly("prod", "staging");
        assertThat(environment(model, "prod")).containsEntry("frontend", "http_prod");
        assertThat(services(model, "prod")).extracting(s -> s.get("name")).containsExactly("api", "web");
        assertThat(services(model, "prod")).extracting(s -> s.get("backend")).containsExactly("prod.api", "prod.web");
        assertThat(serverIds(services(model, "prod").get(1))).containsExactly("web-prod-1", "web-prod-2");
        assertThat(serverIds(services(model, "staging").get(0))).containsExactly("web-staging");
        assertThat((List<String>) model.get("envDeclaringServices")).containsExactly("api", "web");
    }

    @Test
    void hostsAndCountsArePerEnvironment() {
        var model = model(state(
                tagged("web", "web-prod", "10.0.0.11", "env=prod", "lbsync.host=shop.example.com"),
                instance("web", "web-prod-down", "10.0.0.12", HealthStatus.CRITICAL, List.of("env=prod", "lbsync.host=down.example.com"), Map.of()),
                tagged("web", "web-staging", "10.0.0.13", "env=staging", "lbsync.host=shop.example.com", "lbsync.host=staging.example.com")));
        Map<String, Object> prod = services(model, "prod").get(0);
        Map<String, Object> staging = services(model, "staging").get(0);
        assertThat(prod.get("hosts")).isEqualTo(List.of("shop.example.com"));
        assertThat(prod).containsEntry("instanceCount", 2).containsEntry("passingCount", 1);
        assertThat(serverIds(prod)).containsExactly("web-prod");
        assertThat(staging.get("hosts")).isEqualTo(List.of("shop.example.com", "staging.example.com"));
        assertThat(services(model)).isEmpty();
    }

    @Test
    void anEnvironmentWithNoPassingInstanceStaysWithAnEmptyBackend() {
        var model = model(state(instance("web", "web-prod", "10.0.0.11", HealthStatus.CRITICAL, List.of("env=prod"), Map.of())));
        assertThat(services(model, "prod")).singleElement().satisfies(s -> assertThat(serverIds(s)).isEmpty());
    }

    @Test
    void invalidOrConflictingDeclarationsAreServedNowhere() {
        var model = model(state(
                tagged("web", "ok", "10.0.0.10"),
                tagged("web", "upper", "10.0.0.11", "env=Prod"),
                tagged("web", "empty", "10.0.0.12", "env="),
                tagged("web", "injection", "10.0.0.13", "env=prod\nfrontend evil"),
                tagged("web", "two-tags", "10.0.0.14", "env=prod", "env=staging"),
                instance("web", "tag-vs-meta", "10.0.0.15", HealthStatus.PASSING, List.of("env=prod"), Map.of("env", "staging")),
                instance("web", "same-twice", "10.0.0.16", HealthStatus.PASSING, List.of("env=prod"), Map.of("env", "prod")),
                tagged("web", "too-long", "10.0.0.17", "env=" + "p".repeat(33))));
        assertThat(serverIds(services(model).get(0))).containsExactly("ok");
        assertThat(environments(model)).extracting(e -> e.get("name")).containsExactly("prod");
        assertThat(serverIds(services(model, "prod").get(0))).containsExactly("same-twice");
        assertThat((List<String>) model.get("envDeclaringServices")).containsExactly("web");
    }

    @Test
    void aBuilderUsedAgainReusesUnchangedServicesAndSeesChangedOnes() {
        ConsulState first = state(tagged("web", "ok", "10.0.0.10"), tagged("web", "bad", "10.0.0.11", "env=Prod"),
                tagged("api", "a1", "10.0.0.20"));
        RejectedValues rejected = new RejectedValues();
        TemplateModelBuilder builder = new TemplateModelBuilder(rejected, WarningPolicy.SERVE);
        TemplateParams params = new TemplateParams("haproxy", k -> Optional.ofNullable(PROPERTIES.get(k)));
        Map<String, Object> before = builder.build(first, params);
        assertThat(rejected.current(RejectedValues.Field.ENV)).isEqualTo(1);

        // api changes (a new object, as a new snapshot has it), web stays the same object
        Map<String, ServiceInstances> services = new HashMap<>(first.catalog().services());
        services.put("api", new ServiceInstances("api", 8, List.of(tagged("api", "a1", "10.0.0.20", "env=prod"))));
        Map<String, Object> after = builder.build(new ConsulState(CatalogSnapshot.of(8, services), first.kv()), params);
        assertThat(services(after)).extracting(s -> s.get("name")).containsExactly("web");
        assertThat(serverIds(services(after, "prod").get(0))).containsExactly("a1");
        assertThat((List<String>) after.get("envDeclaringServices")).containsExactly("api", "web");
        assertThat(rejected.current(RejectedValues.Field.ENV)).as("web's rejected registration, reported again").isEqualTo(1);
        assertThat(services(before)).extracting(s -> s.get("name")).containsExactly("api", "web");
    }

    @Test
    void environmentBackendNamesNeverCollideWithOtherBackends() {
        var model = model(state(
                tagged("prod.web", "a", "10.0.0.10"),
                tagged("web", "b", "10.0.0.11", "env=prod"),
                tagged("lbsync_no_route", "c", "10.0.0.12", "env=prod")));
        assertThat(services(model)).extracting(s -> s.get("backend")).containsExactly("prod.web");
        assertThat(services(model, "prod")).extracting(s -> s.get("backend")).containsExactly("prod.lbsync_no_route", "prod.web_2");
    }

    @Test
    void withoutEnvironmentsTheModelIsAsBefore() {
        var model = model(state(tagged("web", "web-1", "10.0.0.11", "lbsync.host=shop.example.com", "environment=prod")));
        assertThat(environments(model)).isEmpty();
        assertThat((List<String>) model.get("envDeclaringServices")).isEmpty();
        assertThat(serverIds(services(model).get(0))).containsExactly("web-1");
    }

    // ---- the bundled HAProxy template ----

    private static String render(Map<String, Object> model) {
        return new TemplateRenderer("classpath:templates/haproxy.cfg.ftl").render(model);
    }

    private static void assertHaproxyAccepts(Path dir, String config) throws Exception {
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Process check = new ProcessBuilder("haproxy", "-c", "-q", "-f", file.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(output + "\n" + config).isZero();
    }

    @Test
    void theDefaultTemplateGivesEachEnvironmentItsOwnFrontendAndBackends(@TempDir Path dir) throws Exception {
        String config = render(model(state(
                tagged("web", "web-shared", "10.0.0.10", "lbsync.host=shop.example.com"),
                tagged("web", "web-prod", "10.0.0.11", "env=prod", "lbsync.host=shop.example.com"),
                tagged("web", "web-staging", "10.0.0.12", "env=staging", "lbsync.host=shop.example.com"),
                tagged("web", "web-test", "10.0.0.13", "env=test", "lbsync.host=shop.example.com"))));
        assertHaproxyAccepts(dir, config);
        String http = section(config, "frontend http\n");
        String prod = section(config, "frontend http_prod\n");
        String staging = section(config, "frontend http_staging\n");
        assertThat(http).contains("bind 127.0.0.1:18080", "use_backend web if host_web").doesNotContain("prod", "staging");
        assertThat(prod).contains("bind 127.0.0.1:18081", "acl host_prod.web hdr(host),field(1,:) -i shop.example.com",
                "use_backend prod.web if host_prod.web", "default_backend lbsync_no_route").doesNotContain("staging", "use_backend web ");
        assertThat(staging).contains("bind 127.0.0.1:18082", "use_backend staging.web if host_staging.web").doesNotContain("prod");
        assertThat(section(config, "backend prod.web\n")).contains("server web-prod 10.0.0.11:80").doesNotContain("10.0.0.10", "10.0.0.12");
        assertThat(section(config, "backend web\n")).contains("server web-shared 10.0.0.10:80").doesNotContain("10.0.0.11");
        // no bind.test parameter: the environment has no frontend (its backend is there, unreachable)
        assertThat(config).doesNotContain("frontend http_test").contains("# environment test: not served (no lbsync.haproxy.param.bind.test)");
    }

    @Test
    void aServiceWithNoPassingInstanceKeepsItsBackendButNoHostRule(@TempDir Path dir) throws Exception {
        String config = render(model(state(
                instance("web", "web-shared", "10.0.0.10", HealthStatus.CRITICAL, List.of("lbsync.host=shop.example.com"), Map.of()),
                instance("web", "web-prod", "10.0.0.11", HealthStatus.CRITICAL, List.of("env=prod", "lbsync.host=shop.example.com"), Map.of()))));
        assertHaproxyAccepts(dir, config);
        assertThat(config).contains("backend web\n", "backend prod.web\n", "frontend http_prod\n")
                .doesNotContain("use_backend", "host_");
    }

    @Test
    void twoFrontendsOnOneAddressAreRefused() {
        var state = state(tagged("web", "web-prod", "10.0.0.11", "env=prod"), tagged("web", "web-staging", "10.0.0.12", "env=staging"));
        var sameAsHttp = new HashMap<>(PROPERTIES);
        sameAsHttp.put("lbsync.haproxy.param.bind", "*:18080");
        sameAsHttp.put("lbsync.haproxy.param.bind.prod", "10.0.0.1:18081, 0.0.0.0:18080");
        assertThatThrownBy(() -> render(model(state, sameAsHttp))).isInstanceOf(TemplateRenderException.class)
                .hasMessageContaining("environment prod: lbsync.haproxy.param.bind.prod (0.0.0.0:18080) is also bound by another frontend");
        var twoEnvironments = new HashMap<>(PROPERTIES);
        twoEnvironments.put("lbsync.haproxy.param.bind.staging", PROPERTIES.get("lbsync.haproxy.param.bind.prod"));
        assertThatThrownBy(() -> render(model(state, twoEnvironments))).isInstanceOf(TemplateRenderException.class)
                .hasMessageContaining("environment staging");
    }

    /** The text of one config section: from its header line to the next blank line. */
    private static String section(String config, String header) {
        int start = config.indexOf(header);
        assertThat(start).as("section " + header.trim() + " in\n" + config).isNotNegative();
        int end = config.indexOf("\n\n", start);
        return config.substring(start, end < 0 ? config.length() : end);
    }
}
