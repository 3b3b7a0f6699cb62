package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prewrapped model entry is the same map to Java code and the same hash to a template as the plain map of the same
 * keys and values: every output below is rendered from both and must be equal.
 */
class PrewrappedHashTest {
    @TempDir
    Path dir;

    private static Map<String, Object> entry() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("zone", "b");
        meta.put("rev", "7");
        meta.put("a", "1");
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("id", "web-1");
        raw.put("tags", List.of("blue", "canary"));
        raw.put("meta", meta);
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("name", "web-1");
        server.put("port", 8080);
        server.put("weight", 0);
        server.put("ip", true);
        server.put("backup", false);
        server.put("raw", raw);
        Map<String, Object> big = new LinkedHashMap<>(); // past the size where lookups go through an index
        for (int i = 0; i < 40; i++) {
            big.put("k" + i, "v" + i);
        }
        Map<String, Object> service = new LinkedHashMap<>();
        service.put("name", "web");
        service.put("hosts", List.of());
        service.put("servers", List.of(server, Map.of("name", "web-2", "port", 8081)));
        service.put("big", big);
        service.put("instanceCount", 2);
        return service;
    }

    /** The entry as the model builder makes it: its own maps prewrapped, Consul's meta and the lists as they are. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> prewrapped(Map<String, Object> plain) {
        Map<String, Object> copy = new LinkedHashMap<>(plain);
        copy.computeIfPresent("servers", (k, servers) -> ((List<Map<String, Object>>) servers).stream()
                .map(server -> server.containsKey("raw") ? withShape(Map.of("raw", withShape((Map<String, Object>) server.get("raw"))),
                        server) : withShape(server)).toList());
        return withShape(copy);
    }

    /** {@code source}'s keys as a shape, its values as they are, but those of {@code replaced} where it has the key. */
    private static Map<String, Object> withShape(Map<String, Object> replaced, Map<String, Object> source) {
        Map<String, Object> m = new LinkedHashMap<>(source);
        m.putAll(replaced);
        return withShape(m);
    }

    private static Map<String, Object> withShape(Map<String, Object> source) {
        return new PrewrappedHash.Shape(source.keySet().toArray(String[]::new)).of(source.values().toArray());
    }

    private String render(String template, Object service) throws IOException {
        Path file = Files.writeString(dir.resolve("t" + System.nanoTime() + ".ftl"), template);
        return new TemplateRenderer(file.toString()).render(Map.of("services", List.of(service), "service", service));
    }

    private void sameOutput(String template) throws IOException {
        String plain = render(template, entry());
        String prewrapped = render(template, prewrapped(entry()));
        assertThat(prewrapped).as(template).isEqualTo(plain);
        assertThat(plain).as("the template must produce something to compare").isNotBlank();
    }

    @Test
    void javaCodeSeesTheSameMap() {
        Map<String, Object> prewrapped = prewrapped(entry());
        assertThat(prewrapped).isEqualTo(entry());
        assertThat(entry()).isEqualTo(prewrapped);
        assertThat(prewrapped.hashCode()).isEqualTo(entry().hashCode());
        assertThat(prewrapped.keySet()).containsExactly("name", "hosts", "servers", "big", "instanceCount");
        assertThat(((List<?>) prewrapped.get("servers")).get(0)).isInstanceOf(PrewrappedHash.class);
        assertThat(((Map<?, ?>) prewrapped.get("big")).get("k33")).isEqualTo("v33");
        assertThat(prewrapped.get("missing")).isNull();
        assertThat(prewrapped.containsKey("name")).isTrue();
    }

    @Test
    void templatesReadItAsThePlainMap() throws IOException {
        sameOutput("<#list services as s><#list s.servers as srv>${srv.name} ${srv.port} ${srv.port?c} "
                + "${((srv.weight!1) > 0)?c} ${(srv.ip!false)?c} ${(srv.backup!false)?c} ${srv.raw???c}\n</#list></#list>");
        sameOutput("<#list service.servers[0].raw.meta?keys as k>${k}=${service.servers[0].raw.meta[k]};</#list>"
                + "<#list service.servers[0].raw.meta?keys?sort as k>${k};</#list>"
                + "<#list service.servers[0].raw.meta?values as v>${v};</#list>"
                + "<#list service.servers[0].raw.meta as k, v>${k}:${v};</#list>");
        sameOutput("${service.servers?size} ${service.hosts?size} ${service.hosts?has_content?c} "
                + "${service.servers[0].raw.tags?join(\",\")} ${service.servers[0].raw.tags?seq_contains(\"blue\")?c} "
                + "${service.servers?first.name} ${service.servers?last.name} ${service.big.k39} ${service.big?size} "
                + "${service?is_hash_ex?c} ${service.servers?is_sequence?c} ${service.servers?is_collection?c} "
                + "${service.name?is_string?c} ${service.instanceCount?is_number?c} ${(service.missing!\"none\")} "
                + "${service.missing???c} ${service.big.k0?upper_case}");
        sameOutput("<#list service.servers?filter(s -> s.port > 8080) as s>${s.name}</#list> "
                + "<#list service.servers?sort_by(\"port\")?reverse as s>${s.name}</#list> "
                + "<#list service.big?keys?sort?chunk(10) as row>${row?size};</#list>");
    }
}
