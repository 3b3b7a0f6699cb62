package io.lbsync.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.ServiceSummaries;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Consul's UI service list (/v1/internal/ui/services) read into {@link ServiceSummaries}, and compared with what is held. */
class ConsulAnswersSummariesTest {
    /** The parser as lbsync calls it: on the body as it arrives. */
    private static ServiceSummaries summaries(ConsulResponse r) throws java.io.IOException {
        return ConsulAnswers.summaries(r, new java.io.ByteArrayInputStream(r.bytes()));
    }

    private static ConsulResponse answer(String body) {
        return new ConsulResponse(URI.create("http://127.0.0.1:8500"), "/v1/internal/ui/services?stale", 200, body,
                Optional.of("42"), Optional.of("true"), Optional.of("0"));
    }

    // as Consul 1.9 answers (fields in its order; "consul" has no tags)
    private static final String BODY = """
            [{"Name":"consul","Datacenter":"dc1","Tags":null,"Nodes":["s1"],"ExternalSources":null,"InstanceCount":1,
              "ChecksPassing":1,"ChecksWarning":0,"ChecksCritical":0,"GatewayConfig":{},"ConnectedWithProxy":false,
              "ConnectedWithGateway":false},
             {"Name":"web","Datacenter":"dc1","Tags":["a","b"],"Nodes":["n1","n1"],"ExternalSources":["k8s"],"InstanceCount":2,
              "ChecksPassing":3,"ChecksWarning":0,"ChecksCritical":1,"GatewayConfig":{},"ConnectedWithProxy":false,
              "ConnectedWithGateway":false}]
            """;

    private static ServiceInstance web(String id, List<String> tags) {
        return ServiceInstance.of("web", id, "n1", "10.0.0.1", "", 80, tags, Map.of(), HealthStatus.PASSING);
    }

    @Test
    void eachServiceWithItsCountAndTags() throws Exception {
        ServiceSummaries summaries = summaries(answer(BODY));
        assertThat(summaries.index()).isEqualTo(42);
        assertThat(summaries.services()).isEqualTo(Map.of("consul", new ServiceSummaries.Summary(1, Set.of()),
                "web", new ServiceSummaries.Summary(2, Set.of("a", "b"))));
        assertThat(summaries(answer("null")).services()).as("Consul's answer when nothing is readable").isEmpty();
        assertThatThrownBy(() -> summaries(answer("[{\"InstanceCount\":1}]"))).isInstanceOf(ConsulBadResponseException.class);
    }

    @Test
    void servicesWhoseRegistrationsCameOrWentOrWhoseTagsChangedDiffer() throws Exception {
        ServiceSummaries summaries = summaries(answer(BODY));
        ServiceInstances same = new ServiceInstances("web", 1, List.of(web("w1", List.of("a")), web("w2", List.of("b"))));
        assertThat(summaries.differingFrom(Map.of("web", same), name -> !name.equals("consul"))).isEmpty();
        ServiceInstances fewer = new ServiceInstances("web", 1, List.of(web("w1", List.of("a", "b"))));
        assertThat(summaries.differingFrom(Map.of("web", fewer), name -> true)).containsExactly("consul", "web");
        ServiceInstances otherTags = new ServiceInstances("web", 1, List.of(web("w1", List.of("a")), web("w2", List.of("c"))));
        ServiceInstances gone = new ServiceInstances("api", 1, List.of(web("a1", List.of())));
        assertThat(summaries.differingFrom(Map.of("web", otherTags, "api", gone), name -> !name.equals("consul")))
                .as("api is not in the summaries (gone, or a kind Consul leaves out): the catalog body says when it is gone")
                .containsExactly("web");
    }
}
