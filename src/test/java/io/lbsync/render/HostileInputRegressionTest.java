package io.lbsync.render;

import io.lbsync.model.WarningPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One example of each problem {@link HostileInputFuzzIT} found, with the real checkers: before the fix, a single
 * registration or K/V value like these made haproxy -c or nginx -t refuse the whole config, so no Consul change at
 * all reached the proxy until it went away.
 */
class HostileInputRegressionTest {
    private static final String HAPROXY = "classpath:templates/haproxy.cfg.ftl";
    private static final String HAPROXY_DNS = "classpath:templates/haproxy-dns.cfg.ftl";
    private static final String NGINX = "classpath:templates/nginx.conf.ftl";

    @TempDir
    Path dir;

    private static ServiceInstance instance(String service, String id, String address, List<String> tags) {
        return ServiceInstance.of(service, id, "n1", "10.0.0.1", address, 8080, tags, Map.of(), HealthStatus.PASSING);
    }

    private static ConsulState state(Map<String, String> kv, ServiceInstance... instances) {
        Map<String, List<ServiceInstance>> byService = new LinkedHashMap<>();
        for (ServiceInstance i : instances) {
            byService.computeIfAbsent(i.service(), s -> new ArrayList<>()).add(i);
        }
        Map<String, ServiceInstances> services = new HashMap<>();
        byService.forEach((name, list) -> services.put(name, new ServiceInstances(name, 4, list)));
        return new ConsulState(CatalogSnapshot.of(4, services), KvSnapshot.of(4, "lbsync/", kv));
    }

    private static String haproxy(String template, ConsulState state) {
        Map<String, String> p = Map.of("lbsync.haproxy.param.bind", "127.0.0.1:18080");
        return new TemplateRenderer(template).render(new TemplateModelBuilder(new RejectedValues(), WarningPolicy.SERVE)
                .build(state, new TemplateParams("haproxy", k -> Optional.ofNullable(p.get(k)))));
    }

    private String nginx(ConsulState state, Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of("lbsync.nginx.param.pid", dir.resolve("nginx.pid").toString(),
                "lbsync.nginx.param.error_log", dir.resolve("error.log").toString(), "lbsync.nginx.param.listen_address", "127.0.0.1"));
        p.putAll(extra);
        return new TemplateRenderer(NGINX).render(new TemplateModelBuilder(new RejectedValues(), WarningPolicy.SERVE)
                .build(state, new TemplateParams("nginx", k -> Optional.ofNullable(p.get(k)))));
    }

    private void assertHaproxyAccepts(String config) {
        ConfigCheckers.Result r = ConfigCheckers.haproxy(ConfigCheckers.write(dir.resolve("haproxy.cfg"), config));
        assertThat(r.ok()).as(r.output() + "\n" + config).isTrue();
    }

    private void assertNginxAccepts(String config) {
        ConfigCheckers.Result r = ConfigCheckers.nginx(ConfigCheckers.write(dir.resolve("nginx.conf"), config), dir);
        assertThat(r.ok()).as(r.output() + "\n" + config).isTrue();
    }

    /** Found: HAProxy reads at most 64 words per line ("too many words"), so 70 host tags broke the acl line. */
    @Test
    void moreHostNamesThanHaproxyReadsWordsOnOneLine() {
        List<String> tags = new ArrayList<>();
        IntStream.range(0, 70).forEach(i -> tags.add(TemplateModelBuilder.HOST_TAG + "h" + i + ".example.com"));
        IntStream.range(0, 70).forEach(i -> tags.add(TemplateModelBuilder.HOST_TAG + "*.w" + i + ".example.com"));
        ConsulState state = state(Map.of(), instance("web", "web-1", "10.0.0.11", tags));
        for (String template : List.of(HAPROXY, HAPROXY_DNS)) {
            String config = haproxy(template, state);
            assertHaproxyAccepts(config);
            List<String> acls = config.lines().filter(l -> l.startsWith("    acl host_web ")).toList();
            assertThat(acls).hasSize(4).allSatisfy(l -> assertThat(l.split(" ").length - 4).isLessThanOrEqualTo(64));
            IntStream.range(0, 70).forEach(i -> assertThat(config).contains(" h" + i + ".example.com", " .w" + i + ".example.com"));
        }
    }

    /** Found: nginx resolves an upstream server's name when it loads the config and refuses the config if that fails. */
    @Test
    void nginxLeavesOutInstancesRegisteredWithADnsName() {
        ConsulState state = state(Map.of("sites/shop", "{\"listen\": 18090, \"routes\": {\"/\": \"web\"}}"),
                instance("web", "web-1", "10.0.0.11", List.of()),
                instance("web", "web-2", "does-not-resolve.invalid", List.of()),
                instance("api", "api-1", "api-1.does-not-resolve.invalid", List.of()));
        String config = nginx(state, Map.of());
        assertNginxAccepts(config);
        assertThat(config).contains("        server 10.0.0.11:8080;",
                        "        # server web-2: does-not-resolve.invalid is a DNS name; nginx resolves names only when it loads the config",
                        // only DNS-named instances: the upstream still needs a server
                        "    upstream api {\n        # no passing instance nginx can use")
                .doesNotContain("server does-not-resolve.invalid", "server api-1.does-not-resolve.invalid");
        // HAProxy keeps them: it starts a server whose name does not resolve disabled (init-addr none)
        assertThat(haproxy(HAPROXY, state)).contains("    server web-2 does-not-resolve.invalid:8080");
    }

    @Test
    void nginxWritesDnsNamesWhenTheOperatorAsksForThem() {
        ConsulState state = state(Map.of(), instance("web", "web-1", "localhost", List.of()));
        String config = nginx(state, Map.of("lbsync.nginx.param.dns_names", "write"));
        assertNginxAccepts(config);
        assertThat(config).contains("        server localhost:8080;");
    }

    /** Found: nginx compares upstream names without case: services "Web" and "web" were a "duplicate upstream". */
    @Test
    void serviceNamesThatDifferOnlyInCaseGetDistinctUpstreams() {
        ConsulState state = state(Map.of("sites/shop", "{\"listen\": 18090, \"routes\": {\"/\": \"web\", \"/a/\": \"Web\"}}"),
                instance("web", "w-1", "10.0.0.11", List.of()), instance("Web", "w-2", "10.0.0.12", List.of()),
                instance("WEB", "w-3", "10.0.0.13", List.of()));
        String config = nginx(state, Map.of());
        assertNginxAccepts(config);
        assertThat(config).contains("upstream WEB {", "upstream Web_2 {", "upstream web_3 {", "proxy_pass http://web_3;",
                "proxy_pass http://Web_2;");
        assertHaproxyAccepts(haproxy(HAPROXY, state));
    }

    /** Found: nginx 1.22 refuses some valid IPv6 spellings ("::" for a single group): written canonically now. */
    @Test
    void ipv6AddressesAreWrittenCanonically() {
        ConsulState state = state(Map.of(), instance("web", "w-1", "1:2:3:4:5:6:7::", List.of()),
                instance("web", "w-2", "2001:DB8:0:0:0:0:0:1", List.of()), instance("web", "w-3", "::10.0.0.1", List.of()));
        String config = nginx(state, Map.of());
        assertNginxAccepts(config);
        assertThat(config).contains("server [1:2:3:4:5:6:7:0]:8080;", "server [2001:db8::1]:8080;", "server [::a00:1]:8080;");
        String haproxy = haproxy(HAPROXY, state);
        assertHaproxyAccepts(haproxy);
        assertThat(haproxy).contains("server w-1 [1:2:3:4:5:6:7:0]:8080");
    }

    /** Found: one server_name longer than about 50 characters made nginx fail "could not build server_names_hash". */
    @Test
    void aSiteWithA253CharacterHostNamePassesNginx() {
        String longName = ("a".repeat(63) + ".").repeat(3) + "b".repeat(61);
        ConsulState state = state(Map.of("sites/shop", "{\"server_names\": [\"" + longName + "\", \"*." + longName.substring(2)
                + "\", \"shop.example.com\"], \"listen\": 18090, \"routes\": {\"/\": \"web\"}}",
                "sites/other", "{\"server_names\": [\"" + longName.replace('b', 'c') + "\"], \"listen\": 18090, \"routes\": {\"/\": \"web\"}}"),
                instance("web", "w-1", "10.0.0.11", List.of()));
        String config = nginx(state, Map.of());
        assertThat(longName).hasSize(253);
        assertNginxAccepts(config);
        assertThat(config).contains("server_name " + longName + " *." + longName.substring(2) + " shop.example.com;");
    }
}
