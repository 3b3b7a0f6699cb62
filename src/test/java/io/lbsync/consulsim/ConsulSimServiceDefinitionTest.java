package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Consul-JSON mapping of service definitions and Go duration parsing. */
class ConsulSimServiceDefinitionTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void jacksonReadsConsulRegisterJsonCaseInsensitively() throws Exception {
        String json = "{\"id\":\"web-1\",\"NAME\":\"web\",\"Tags\":[\"a\"],\"Address\":\"10.0.0.1\",\"port\":8080,"
                + "\"Meta\":{\"k\":\"v\"},\"Check\":{\"check_id\":\"c1\",\"TTL\":\"15s\",\"Status\":\"passing\"},"
                + "\"Checks\":[{\"Name\":\"second\",\"TTL\":\"1m30s\"}]}";
        ServiceDefinition d = mapper.readValue(json, ServiceDefinition.class);
        assertThat(d.id()).isEqualTo("web-1");
        assertThat(d.name()).isEqualTo("web");
        assertThat(d.tags()).containsExactly("a");
        assertThat(d.port()).isEqualTo(8080);
        assertThat(d.meta()).containsEntry("k", "v");
        assertThat(d.checks()).containsExactly(
                new CheckDefinition("c1", "", Duration.ofSeconds(15), "passing", ""),
                new CheckDefinition("", "second", Duration.ofSeconds(90), "", ""));
    }

    @Test
    void jacksonWritesConsulJsonThatReadsBack() throws Exception {
        ServiceDefinition d = ServiceDefinition.of("api-1", "api", "", 9000).withTags("x")
                .withMeta(Map.of("m", "n")).withCheck(CheckDefinition.ttl(Duration.ofMillis(1500)).withStatus("warning"));
        String json = mapper.writeValueAsString(d);
        assertThat(json).contains("\"ID\":\"api-1\"", "\"Name\":\"api\"", "\"TTL\":\"1500ms\"");
        assertThat(mapper.readValue(json, ServiceDefinition.class)).isEqualTo(d);
    }

    @Test
    void weightsReadAndWriteAsConsulsWeightsObjectAndStayNullWhenAbsent() throws Exception {
        ServiceDefinition given = mapper.readValue("{\"Name\":\"w\",\"weights\":{\"passing\":3}}", ServiceDefinition.class);
        assertThat(given.weights()).isEqualTo(new ServiceWeights(3, 0));
        ServiceDefinition absent = mapper.readValue("{\"Name\":\"w\"}", ServiceDefinition.class);
        assertThat(absent.weights()).isNull();
        assertThat(absent.effectiveWeights()).isEqualTo(ServiceWeights.DEFAULT);
        assertThat(mapper.writeValueAsString(absent)).doesNotContain("Weights");

        ServiceDefinition d = ServiceDefinition.of("api-1", "api", "", 9000).withWeights(5, 2);
        String json = mapper.writeValueAsString(d);
        assertThat(json).contains("\"Weights\":{\"Passing\":5,\"Warning\":2}");
        assertThat(mapper.readValue(json, ServiceDefinition.class)).isEqualTo(d);
    }

    @Test
    void goDurationsParseLikeGo() {
        assertThat(GoDuration.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("0")).isZero();
        for (String bad : List.of("", "10", "abc", "5 s", "1.2.3s", "s")) {
            assertThatThrownBy(() -> GoDuration.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void nonTtlChecksAreRefused() {
        assertThatThrownBy(() -> mapper.readValue("{\"Name\":\"w\",\"Check\":{\"HTTP\":\"http://x\",\"Interval\":\"10s\"}}",
                ServiceDefinition.class)).hasStackTraceContaining("only supports TTL checks");
    }
}
