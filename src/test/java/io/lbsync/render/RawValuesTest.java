package io.lbsync.render;

import io.lbsync.model.WarningPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw-value opt-in: lbsync.&lt;target&gt;.allow-raw-values=true, off by default. */
class RawValuesTest {
    private static final ConsulState STATE = new ConsulState(
            CatalogSnapshot.of(1, Map.of("web svc", new ServiceInstances("web svc", 1, List.of(ServiceInstance.of("web svc", "web 1", "node a",
                    "10.0.0.1", "10.0.0.11", 8080, List.of("v1", "x;y"), Map.of("weight", "10 # x"), HealthStatus.PASSING))))),
            KvSnapshot.of(1, "lbsync/", Map.of("sites/shop x", "{\"listen\": 8080, \"routes\": {\"/\": \"web svc\"}}")));

    private static Map<String, Object> model(String allow) {
        Map<String, String> p = allow == null ? Map.of() : Map.of("lbsync.haproxy.allow-raw-values", allow);
        return new TemplateModelBuilder(new RejectedValues(), WarningPolicy.SERVE).build(STATE, new TemplateParams("haproxy", k -> Optional.ofNullable(p.get(k))));
    }

    private static String render(Path dir, String template, Map<String, Object> model) throws Exception {
        Path file = dir.resolve("t.ftl");
        Files.writeString(file, template);
        return new TemplateRenderer(file.toString()).render(model);
    }

    @Test
    void offByDefault(@TempDir Path dir) throws Exception {
        for (String allow : new String[] {null, "", "false", "yes", "1"}) {
            Map<String, Object> model = model(allow);
            @SuppressWarnings("unchecked")
            var service = ((List<Map<String, Object>>) model.get("services")).get(0);
            assertThat(service).doesNotContainKey("raw");
            assertThatThrownBy(() -> render(dir, "${services[0].servers[0].raw.meta.weight}", model))
                    .isInstanceOf(TemplateRenderException.class).hasMessageContaining("raw");
        }
        // the safe values stay what they are
        assertThat(render(dir, "${services[0].name} ${services[0].servers[0].name} ${sites[0].name}", model(null)))
                .isEqualTo("web_svc web_1 shop_x");
    }

    @Test
    void whenAllowedTheTemplateSeesWhatConsulReturned(@TempDir Path dir) throws Exception {
        Map<String, Object> model = model(" TRUE ");
        String out = render(dir, "${services[0].raw.name}|${services[0].servers[0].raw.id}|${services[0].servers[0].raw.node}"
                + "|${services[0].servers[0].raw.address}|${services[0].servers[0].raw.port}|${services[0].servers[0].raw.tags?join(',')}"
                + "|${services[0].servers[0].raw.meta.weight}|${sites[0].raw.key}|${sites[0].raw.value}", model);
        assertThat(out).isEqualTo("web svc|web 1|node a|10.0.0.11|8080|v1,x;y|10 # x|shop x|{\"listen\": 8080, \"routes\": {\"/\": \"web svc\"}}");
        // the safe values are still there, next to the raw ones
        assertThat(render(dir, "${services[0].name} ${services[0].servers[0].name}", model)).isEqualTo("web_svc web_1");
    }

    @Test
    void theBundledTemplatesDoNotUseRawValues() throws Exception {
        for (String t : List.of("haproxy.cfg.ftl", "haproxy-dns.cfg.ftl", "nginx.conf.ftl")) {
            try (var in = RawValuesTest.class.getClassLoader().getResourceAsStream("templates/" + t)) {
                assertThat(new String(in.readAllBytes())).as(t).doesNotContain(".raw");
            }
        }
    }
}
