package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
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

/** The bundled DNS-mode template (templates/haproxy-dns.cfg.ftl). */
class HaproxyDnsTemplateTest {
    private static final String TEMPLATE = "classpath:templates/haproxy-dns.cfg.ftl";

    private static ServiceInstance instance(String service, String id, String address, HealthStatus status, String... tags) {
        return ServiceInstance.of(service, id, "n1", "10.0.0.1", address, 8080, List.of(tags), Map.of(), status);
    }

    private static String render(Map<String, String> properties, ServiceInstance... instances) {
        Map<String, List<ServiceInstance>> byService = new LinkedHashMap<>();
        for (ServiceInstance i : instances) {
            byService.computeIfAbsent(i.service(), s -> new ArrayList<>()).add(i);
        }
        Map<String, ServiceInstances> services = new HashMap<>();
        byService.forEach((name, list) -> services.put(name, new ServiceInstances(name, 3, list)));
        var state = new ConsulState(CatalogSnapshot.of(3, services), KvSnapshot.empty("lbsync/"));
        var model = new TemplateModelBuilder().build(state, new TemplateParams("haproxy", k -> Optional.ofNullable(properties.get(k))));
        return new TemplateRenderer(TEMPLATE).render(model);
    }

    @Test
    void passesHaproxyCheckWithOneServerTemplatePerService(@TempDir Path dir) throws Exception {
        String config = render(Map.of("lbsync.haproxy.param.bind", "127.0.0.1:18085", "lbsync.haproxy.param.dns", "127.0.0.1:18600",
                        "lbsync.haproxy.param.slots", "4", "lbsync.haproxy.param.hold_valid", "1s"),
                instance("web", "web-1", "10.0.0.11", HealthStatus.PASSING, "lbsync.host=shop.example.com", "lbsync.host=*.shop.example.com"),
                instance("api", "api-1", "10.0.0.12", HealthStatus.CRITICAL),
                instance("under_score", "u-1", "10.0.0.13", HealthStatus.PASSING, "lbsync.host=u.example.com"),
                instance("mixed", "m-1", "10.0.0.14", HealthStatus.PASSING, "lbsync.host=m.example.com"),
                instance("mixed", "m-2", "10.0.0.15", HealthStatus.PASSING, "env=prod", "lbsync.host=m.example.com"));
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Process check = new ProcessBuilder("haproxy", "-c", "-q", "-f", file.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(output + "\n" + config).isZero();

        assertThat(config).contains(
                "resolvers consul\n    nameserver consul 127.0.0.1:18600\n    accepted_payload_size 8192\n",
                "hold valid 1s", "hold obsolete 0s",
                "bind 127.0.0.1:18085",
                "acl host_web hdr(host),field(1,:) -i shop.example.com",
                "acl host_web hdr(host),field(1,:) -i -m end .shop.example.com",
                "use_backend web if host_web",
                "backend web\n    balance roundrobin\n    # allow-dup-ip: instances sharing an address (one host, several ports) each keep their server\n    server-template s 4 _web._tcp.service.consul resolvers consul resolve-prefer ipv4 resolve-opts allow-dup-ip init-addr none\n",
                // a service with no passing instance still has its backend: HAProxy may find instances later
                "server-template s 4 _api._tcp.service.consul",
                "# service under_score: not served in DNS mode (the name is not a DNS label)",
                "# service mixed: not served in DNS mode (instances declare environments)",
                "# environment prod: not served in DNS mode");
        // no instance address is written: Consul DNS supplies them
        assertThat(config).doesNotContain("10.0.0.1", "host_under_score", "host_mixed", "_under_score._tcp", "_mixed._tcp");
    }

    @Test
    void instanceChangesDoNotChangeTheConfig() {
        Map<String, String> p = Map.of();
        String one = render(p, instance("web", "web-1", "10.0.0.11", HealthStatus.PASSING, "lbsync.host=shop.example.com"));
        String other = render(p,
                instance("web", "web-2", "10.0.0.21", HealthStatus.PASSING, "lbsync.host=shop.example.com"),
                instance("web", "web-3", "10.0.0.22", HealthStatus.CRITICAL, "lbsync.host=shop.example.com"),
                instance("web", "web-4", "10.0.0.23", HealthStatus.WARNING));
        assertThat(other).isEqualTo(one);
        assertThat(one).contains("nameserver consul 127.0.0.1:8600", "server-template s 10 _web._tcp.service.consul", "bind *:80");
    }
}
