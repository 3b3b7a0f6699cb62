package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The simulator's Java conveniences (used by the demo) act like the HTTP calls; simulator-only features. */
class ConsulSimJavaApiTest {
    private ConsulTestCluster cluster;
    private ConsulSimulator sim;
    private ConsulHttp http;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().agents("edge-1", "edge-2")
                .nodeAddress("edge-2", "127.0.0.2").antiEntropyInterval(Duration.ofMillis(200)), null);
        sim = cluster.simulator();
        http = cluster.http();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void registerSetCheckStatusAndDeregisterBehaveLikeTheAgentApi() {
        sim.registerService("edge-2", ServiceDefinition.of("web-1", "web", "", 8080)
                .withCheck(CheckDefinition.ttl(Duration.ofMinutes(1)).withId("web-1-ttl")));
        JsonNode entry = http.get("/v1/health/service/web").requireOk().json().get(0);
        assertThat(entry.path("Node").path("Address").asText()).isEqualTo("127.0.0.2");
        assertThat(sim.nodeAddress("edge-2")).isEqualTo("127.0.0.2");
        assertThat(http.get("/v1/health/service/web?passing").json()).isEmpty();

        sim.setCheckStatus("edge-2", "web-1-ttl", "passing", "ok");
        assertThat(http.get("/v1/health/service/web?passing").json()).hasSize(1);
        assertThat(http.getFrom("edge-2", "/v1/agent/checks").json().path("web-1-ttl").path("Output").asText()).isEqualTo("ok");

        sim.deregisterService("edge-1", "web-1"); // not edge-1's: a no-op, as on Consul 1.9 without ACLs
        assertThat(http.get("/v1/health/service/web").json()).hasSize(1);
        assertThatThrownBy(() -> sim.setCheckStatus("edge-2", "web-1-ttl", "green", "")).isInstanceOf(IllegalArgumentException.class);
        sim.deregisterService("edge-2", "web-1");
        assertThat(http.get("/v1/health/service/web").json()).isEmpty();
    }

    @Test
    void registeringWithWeightsIsValidatedAndShownLikeTheAgentApi() {
        sim.registerService("edge-1", ServiceDefinition.of("web-1", "web", "", 8080).withWeights(3, 1));
        sim.registerService("edge-1", ServiceDefinition.of("web-2", "web", "", 8081));
        JsonNode entries = http.get("/v1/catalog/service/web").requireOk().json();
        assertThat(entries.get(0).path("ServiceWeights").toString()).isEqualTo("{\"Passing\":3,\"Warning\":1}");
        assertThat(entries.get(1).path("ServiceWeights").toString()).isEqualTo("{\"Passing\":1,\"Warning\":1}");
        assertThatThrownBy(() -> sim.registerService("edge-1", ServiceDefinition.of("web-3", "web", "", 8082).withWeights(0, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("400 Invalid Weights: Passing must be greater than 0");
    }

    @Test
    void reRegisteringKeepsCheckStatusAndReplaceExistingChecksDropsOldOnes() {
        String twoChecks = "{\"ID\":\"api-1\",\"Name\":\"api\",\"Checks\":[{\"CheckID\":\"a\",\"TTL\":\"1m\"},{\"CheckID\":\"b\",\"TTL\":\"1m\"}]}";
        http.registerService("edge-1", twoChecks).requireOk();
        http.passCheck("edge-1", "a", "fine").requireOk();
        String oneCheck = "{\"ID\":\"api-1\",\"Name\":\"api\",\"Checks\":[{\"CheckID\":\"a\",\"TTL\":\"1m\"}]}";
        http.registerService("edge-1", oneCheck).requireOk();
        JsonNode checks = http.getFrom("edge-1", "/v1/agent/checks").json();
        assertThat(checks.path("a").path("Status").asText()).isEqualTo("passing");
        assertThat(checks.has("b")).isTrue();

        http.send("PUT", sim.agentUrl("edge-1") + "/v1/agent/service/register?replace-existing-checks", oneCheck,
                Duration.ofSeconds(5)).requireOk();
        assertThat(http.getFrom("edge-1", "/v1/agent/checks").json().has("b")).isFalse();
        assertThat(http.get("/v1/health/checks/api").json().findValuesAsText("CheckID")).containsExactly("a");
    }

    @Test
    void aDeregisteredAgentNodeComesBackWithItsServicesAndSerfHealth() {
        sim.registerService("edge-2", ServiceDefinition.of("db-1", "db", "", 5432));
        http.put("/v1/catalog/deregister", "{\"Node\":\"edge-2\"}").requireOk();
        assertThat(http.get("/v1/catalog/nodes").json().findValuesAsText("Node")).doesNotContain("edge-2");

        await().atMost(Duration.ofSeconds(5)).until(() ->
                http.get("/v1/catalog/service/db").json().size() == 1
                        && http.get("/v1/health/node/edge-2").json().findValuesAsText("CheckID").contains("serfHealth"));
    }

    @Test
    void theServerCarriesTheConsulServiceLikeARealCluster() {
        JsonNode consul = http.get("/v1/catalog/service/consul").requireOk().json();
        assertThat(consul).hasSize(1);
        assertThat(consul.get(0).path("Node").asText()).isEqualTo("edge-1");
        assertThat(consul.get(0).path("ServicePort").asInt()).isEqualTo(8300);
        sim.runAntiEntropyNow();
        assertThat(http.get("/v1/catalog/service/consul").json()).hasSize(1);
    }
}
