package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ?filter=} on /v1/health/state/any, as the catalog watch reads checks: {@code Status != "passing"} answers only
 * the failing ones (with the index of all checks); an expression Consul cannot evaluate is a 500 naming the evaluator.
 */
class ConsulSimCheckFilterTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;
    private final String name = unique("flt");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
        for (int i = 1; i <= 2; i++) {
            http.registerService(node, "{\"ID\":\"" + name + "-" + i + "\",\"Name\":\"" + name + "\",\"Port\":80,\"Check\":{\"CheckID\":\""
                    + name + "-check-" + i + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
        }
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.deregisterEverywhere(name + "-1");
            cluster.deregisterEverywhere(name + "-2");
            cluster.close();
        }
    }

    private static String filter(String expression) {
        return "?filter=" + URLEncoder.encode(expression, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private List<String> ours(JsonNode checks) {
        List<String> ids = new ArrayList<>();
        checks.forEach(c -> {
            if (c.path("ServiceName").asText().equals(name)) {
                ids.add(c.path("CheckID").asText() + "=" + c.path("Status").asText());
            }
        });
        return ids;
    }

    @Test
    void notPassingAnswersOnlyTheFailingChecks() {
        http.failCheck(node, name + "-check-2", "down").requireOk();
        ConsulHttp.Response failing = http.get("/v1/health/state/any" + filter("Status != \"passing\"")).requireOk();
        assertThat(ours(failing.json())).containsExactly(name + "-check-2=critical");
        ConsulHttp.Response all = http.get("/v1/health/state/any").requireOk();
        assertThat(ours(all.json())).hasSize(2);
        assertThat(failing.index()).isEqualTo(all.index());
    }

    @Test
    void anExpressionConsulCannotEvaluateIs500() {
        ConsulHttp.Response r = http.get("/v1/health/state/any" + filter("Bogus == \"x\""));
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).contains("Failed to create boolean expression evaluator");
    }
}
