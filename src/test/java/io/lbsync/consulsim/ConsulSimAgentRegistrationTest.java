package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Agent registration and its visibility in catalog and health; per-node ownership; agent endpoint shapes. */
class ConsulSimAgentRegistrationTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String nodeA;
    private String nodeB;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-a", "node-b");
        http = cluster.http();
        nodeA = cluster.nodes().get(0);
        nodeB = cluster.nodes().get(1);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String service(String id, String name, int port) {
        return "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Tags\":[\"blue\"],\"Address\":\"10.1.2.3\","
                + "\"Port\":" + port + ",\"Meta\":{\"team\":\"edge\"}}";
    }

    private List<String> catalogNodesOf(String name) {
        List<String> nodes = new ArrayList<>();
        http.get("/v1/catalog/service/" + name).requireOk().json().forEach(e -> nodes.add(e.path("Node").asText()));
        return nodes;
    }

    @Test
    void agentRegistrationIsVisibleInCatalogAndHealthAndDeregistrationRemovesIt() {
        String name = unique("web");
        http.registerService(nodeA, service(name + "-1", name, 8080)).requireOk();

        await().atMost(Duration.ofSeconds(5)).until(() -> catalogNodesOf(name).size() == 1);
        JsonNode entry = http.get("/v1/catalog/service/" + name).json().get(0);
        assertThat(entry.path("Node").asText()).isEqualTo(nodeA);
        assertThat(entry.path("ServiceID").asText()).isEqualTo(name + "-1");
        assertThat(entry.path("ServiceName").asText()).isEqualTo(name);
        assertThat(entry.path("ServiceAddress").asText()).isEqualTo("10.1.2.3");
        assertThat(entry.path("ServicePort").asInt()).isEqualTo(8080);
        assertThat(entry.path("ServiceTags").get(0).asText()).isEqualTo("blue");
        assertThat(entry.path("ServiceMeta").path("team").asText()).isEqualTo("edge");
        assertThat(entry.path("ModifyIndex").asLong()).isPositive();

        JsonNode health = http.get("/v1/health/service/" + name).requireOk().json();
        assertThat(health).hasSize(1);
        assertThat(health.get(0).path("Node").path("Node").asText()).isEqualTo(nodeA);
        assertThat(health.get(0).path("Service").path("ID").asText()).isEqualTo(name + "-1");
        assertThat(health.get(0).path("Service").path("Port").asInt()).isEqualTo(8080);
        assertThat(health.get(0).path("Checks").findValuesAsText("CheckID")).contains("serfHealth");

        assertThat(http.getFrom(nodeA, "/v1/catalog/services").json().has(name)).isTrue();

        http.deregisterService(nodeA, name + "-1").requireOk();
        await().atMost(Duration.ofSeconds(5)).until(() -> catalogNodesOf(name).isEmpty());
        assertThat(http.get("/v1/health/service/" + name).json()).isEmpty();
    }

    @Test
    void sameServiceIdOnTwoNodesIsTwoCatalogEntriesAndEachAgentOwnsItsOwn() {
        String name = unique("api");
        String id = name + "-x";
        http.registerService(nodeA, service(id, name, 9000)).requireOk();
        http.registerService(nodeB, service(id, name, 9000)).requireOk();
        await().atMost(Duration.ofSeconds(5)).until(() -> catalogNodesOf(name).size() == 2);
        assertThat(catalogNodesOf(name)).containsExactlyInAnyOrder(nodeA, nodeB);

        // Each agent lists only what it owns.
        assertThat(http.getFrom(nodeA, "/v1/agent/services").json().has(id)).isTrue();
        http.deregisterService(nodeA, id).requireOk();
        await().atMost(Duration.ofSeconds(5)).until(() -> catalogNodesOf(name).equals(List.of(nodeB)));
        assertThat(http.getFrom(nodeA, "/v1/agent/services").json().has(id)).isFalse();
        assertThat(http.getFrom(nodeB, "/v1/agent/services").json().has(id)).isTrue();
    }

    @Test
    void deregisteringAServiceTheAgentDoesNotOwnIsANoOpWithoutAcls() {
        // Consul 1.9 without ACLs: 200 and nothing happens (with ACLs: 500 "Unknown service {"id" {}}", see ConsulSimAclTest)
        String name = unique("ghost");
        http.registerService(nodeB, service(name, name, 1)).requireOk();
        ConsulHttp.Response r = http.deregisterService(nodeA, name);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(http.getFrom(nodeB, "/v1/agent/service/" + name).status()).isEqualTo(200);
    }

    @Test
    void agentEndpointsCarryNoIndexHeadersButCatalogHealthAndKvDo() {
        String name = unique("hdr");
        http.registerService(nodeA, service(name, name, 80)).requireOk();
        for (String path : List.of("/v1/agent/services", "/v1/agent/checks", "/v1/agent/self", "/v1/agent/service/" + name)) {
            ConsulHttp.Response r = http.getFrom(nodeA, path).requireOk();
            assertThat(r.header("X-Consul-Index")).as(path).isNull();
        }
        for (String path : List.of("/v1/catalog/services", "/v1/catalog/service/" + name, "/v1/catalog/nodes",
                "/v1/health/service/" + name, "/v1/health/state/any", "/v1/kv/" + unique("missing"))) {
            ConsulHttp.Response r = http.get(path);
            assertThat(r.index()).as(path).isPositive();
            assertThat(r.header("X-Consul-KnownLeader")).as(path).isEqualTo("true");
            assertThat(r.header("X-Consul-LastContact")).as(path).isNotNull();
        }
    }

    @Test
    void agentServiceAndSelfDescribeTheReceivingAgent() {
        String name = unique("self");
        http.registerService(nodeA, service(name, name, 81)).requireOk();
        JsonNode svc = http.getFrom(nodeA, "/v1/agent/service/" + name).requireOk().json();
        assertThat(svc.path("ID").asText()).isEqualTo(name);
        assertThat(svc.path("Service").asText()).isEqualTo(name);
        assertThat(svc.path("Port").asInt()).isEqualTo(81);
        assertThat(http.getFrom(nodeB, "/v1/agent/service/" + name).status()).isEqualTo(404);

        JsonNode self = http.getFrom(nodeB, "/v1/agent/self").requireOk().json();
        assertThat(self.path("Config").path("NodeName").asText()).isEqualTo(nodeB);
        assertThat(self.path("Member").path("Addr").asText()).isNotEmpty();
        assertThat(http.getFrom(nodeA, "/v1/agent/members").json().findValuesAsText("Name")).contains(nodeA, nodeB);
    }

    @Test
    void registrationErrorsAnswerLikeConsul() {
        ConsulHttp.Response badJson = http.registerService(nodeA, "{not json");
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(badJson.body()).startsWith("Request decode failed");

        ConsulHttp.Response noName = http.registerService(nodeA, "{\"Port\":80}");
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.body()).isEqualTo("Missing service name");

        ConsulHttp.Response badStatus = http.registerService(nodeA,
                "{\"Name\":\"" + unique("s") + "\",\"Check\":{\"TTL\":\"10s\",\"Status\":\"green\"}}");
        assertThat(badStatus.status()).isEqualTo(400);

        ConsulHttp.Response wrongMethod = http.getFrom(nodeA, "/v1/agent/service/register");
        assertThat(wrongMethod.status()).isEqualTo(405);

        assertThat(http.get("/v1/no/such/endpoint").status()).isEqualTo(404);
    }

    @Test
    void catalogListsEveryAgentNodeAndStatusNamesALeader() {
        JsonNode nodes = http.get("/v1/catalog/nodes").requireOk().json();
        assertThat(nodes.findValuesAsText("Node")).contains(nodeA, nodeB);
        JsonNode node = http.get("/v1/catalog/node/" + nodeA).requireOk().json();
        assertThat(node.path("Node").path("Node").asText()).isEqualTo(nodeA);
        assertThat(node.path("Node").path("Address").asText()).isNotEmpty();
        assertThat(http.get("/v1/status/leader").requireOk().json().asText()).contains(":");
        assertThat(http.get("/v1/status/peers").requireOk().json()).isNotEmpty();
    }

    @Test
    void withoutAclsTokenSelfSaysSo() {
        ConsulHttp.Response r = http.get("/v1/acl/token/self");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("ACL support disabled");
    }
}
