package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.DnsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Service Weights as Consul 1.9 keeps and answers them: the agent's default {1, 1}, Warning 0 when only Passing is
 * given, the agent's 400s for invalid weights, the catalog endpoint's silent default, every read that shows them, a
 * re-registration with other weights moving ModifyIndex, and the SRV weight DNS gives by health.
 */
class ConsulSimWeightsTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;
    private final String name = unique("weights");
    /** A node registered through /v1/catalog/register only (no agent): removed after each test. */
    private final String externalNode = unique("ext-node");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            http.put("/v1/catalog/deregister", "{\"Node\":" + ConsulHttp.quote(externalNode) + "}");
            cluster.close();
        }
    }

    private ConsulHttp.Response register(String id, String weightsJson) {
        String weights = weightsJson == null ? "" : ",\"Weights\":" + weightsJson;
        return http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Port\":8080" + weights + "}");
    }

    private static String weights(JsonNode w) {
        return w.path("Passing").asText("?") + "/" + w.path("Warning").asText("?") + (w.size() == 2 ? "" : " " + w);
    }

    /** Service ID → "passing/warning" as one endpoint lists the instances of our service. */
    private Map<String, String> weightsIn(String path, String idField, String weightsField) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode e : http.get(path).requireOk().json()) {
            out.put(e.path(idField).asText(), weights(e.path(weightsField)));
        }
        return out;
    }

    @Test
    void givenWeightsAreKeptAndAbsentOnesAreOneAndOneInEveryAnswer() {
        register(name + "-given", "{\"Passing\":3,\"Warning\":1}").requireOk();
        register(name + "-absent", null).requireOk();
        register(name + "-null", "null").requireOk();
        Map<String, String> expected = Map.of(name + "-given", "3/1", name + "-absent", "1/1", name + "-null", "1/1");

        assertThat(weightsIn("/v1/catalog/service/" + name, "ServiceID", "ServiceWeights")).isEqualTo(expected);
        Map<String, String> health = new LinkedHashMap<>();
        for (JsonNode e : http.get("/v1/health/service/" + name).requireOk().json()) {
            health.put(e.path("Service").path("ID").asText(), weights(e.path("Service").path("Weights")));
        }
        assertThat(health).isEqualTo(expected);

        JsonNode agentServices = http.getFrom(node, "/v1/agent/services").requireOk().json();
        JsonNode catalogNode = http.get("/v1/catalog/node/" + node).requireOk().json().path("Services");
        Map<String, String> uiNodes = new LinkedHashMap<>();
        for (JsonNode n : http.get("/v1/internal/ui/nodes").requireOk().json()) {
            for (JsonNode s : n.path("Services")) {
                if (s.path("Service").asText().equals(name)) {
                    uiNodes.put(s.path("ID").asText(), weights(s.path("Weights")));
                }
            }
        }
        assertThat(uiNodes).isEqualTo(expected);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String id = e.getKey();
            assertThat(weights(agentServices.path(id).path("Weights"))).as("agent/services " + id).isEqualTo(e.getValue());
            assertThat(weights(catalogNode.path(id).path("Weights"))).as("catalog/node " + id).isEqualTo(e.getValue());
            JsonNode one = http.getFrom(node, "/v1/agent/service/" + id).requireOk().json();
            assertThat(weights(one.path("Weights"))).as("agent/service " + id).isEqualTo(e.getValue());
        }
    }

    @Test
    void weightsWithOnlyPassingHaveWarningZeroAndKeysIgnoreCase() {
        register(name + "-p", "{\"Passing\":5}").requireOk();
        register(name + "-lower", "{\"passing\":7,\"warning\":2}").requireOk();
        register(name + "-w0", "{\"Passing\":2,\"Warning\":0}").requireOk();
        register(name + "-max", "{\"Passing\":65535,\"Warning\":65535}").requireOk();
        assertThat(weightsIn("/v1/catalog/service/" + name, "ServiceID", "ServiceWeights")).isEqualTo(Map.of(
                name + "-p", "5/0", name + "-lower", "7/2", name + "-w0", "2/0", name + "-max", "65535/65535"));
    }

    @Test
    void theAgentRefusesInvalidWeightsWithConsulsAnswers() {
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("{}", "Invalid Weights: Passing must be greater than 0");
        refusals.put("{\"Warning\":5}", "Invalid Weights: Passing must be greater than 0");
        refusals.put("{\"Passing\":0,\"Warning\":1}", "Invalid Weights: Passing must be greater than 0");
        refusals.put("{\"Passing\":-1,\"Warning\":-1}", "Invalid Weights: Passing must be greater than 0");
        refusals.put("{\"Passing\":null}", "Invalid Weights: Passing must be greater than 0");
        refusals.put("{\"Passing\":2,\"Warning\":-1}", "Invalid Weights: Warning must be greater or equal than 0");
        refusals.put("{\"Passing\":65536}", "Invalid Weights: DNS Weight must be between 0 and 65535");
        refusals.put("{\"Passing\":1,\"Warning\":65536}", "Invalid Weights: DNS Weight must be between 0 and 65535");
        refusals.put("{\"Passing\":2147483648}", "Invalid Weights: DNS Weight must be between 0 and 65535");
        refusals.put("{\"Passing\":\"3\"}",
                "Request decode failed: json: cannot unmarshal string into Go struct field Weights.Weights.Passing of type int");
        refusals.put("{\"Passing\":3.5}",
                "Request decode failed: json: cannot unmarshal number 3.5 into Go struct field Weights.Weights.Passing of type int");
        refusals.put("{\"Passing\":1,\"Warning\":true}",
                "Request decode failed: json: cannot unmarshal bool into Go struct field Weights.Weights.Warning of type int");
        refusals.put("[1]", "Request decode failed: json: cannot unmarshal array into Go struct field .Weights of type structs.Weights");
        refusals.put("\"3\"", "Request decode failed: json: cannot unmarshal string into Go struct field .Weights of type structs.Weights");
        int i = 0;
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            String id = name + "-bad" + i++;
            ConsulHttp.Response r = register(id, refusal.getKey());
            assertThat(r.status()).as(refusal.getKey()).isEqualTo(400);
            assertThat(r.body()).as(refusal.getKey()).isEqualTo(refusal.getValue());
            assertThat(http.getFrom(node, "/v1/agent/service/" + id).status()).as("not registered").isEqualTo(404);
        }
        // the name is checked first
        ConsulHttp.Response noName = http.registerService(node, "{\"Port\":80,\"Weights\":{\"Passing\":0}}");
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.body()).isEqualTo("Missing service name");
    }

    @Test
    void reRegisteringWithOtherWeightsChangesThemAndMovesModifyIndex() {
        String id = name + "-1";
        register(id, "{\"Passing\":3,\"Warning\":1}").requireOk();
        JsonNode first = http.get("/v1/catalog/service/" + name).requireOk().json().get(0);
        long createIndex = first.path("CreateIndex").asLong();
        long healthIndex = http.get("/v1/health/service/" + name).requireOk().index();

        register(id, "{\"Passing\":3,\"Warning\":1}").requireOk();
        JsonNode same = http.get("/v1/catalog/service/" + name).requireOk().json().get(0);
        assertThat(same.path("ModifyIndex").asLong()).as("same weights: nothing changed").isEqualTo(first.path("ModifyIndex").asLong());

        register(id, "{\"Passing\":4,\"Warning\":2}").requireOk();
        ConsulHttp.Response changed = http.get("/v1/catalog/service/" + name).requireOk();
        JsonNode entry = changed.json().get(0);
        assertThat(weights(entry.path("ServiceWeights"))).isEqualTo("4/2");
        assertThat(entry.path("CreateIndex").asLong()).isEqualTo(createIndex);
        assertThat(entry.path("ModifyIndex").asLong()).isGreaterThan(first.path("ModifyIndex").asLong());
        assertThat(changed.index()).isEqualTo(entry.path("ModifyIndex").asLong());
        assertThat(http.get("/v1/health/service/" + name).requireOk().index()).isGreaterThan(healthIndex);

        register(id, null).requireOk();
        JsonNode back = http.get("/v1/catalog/service/" + name).requireOk().json().get(0);
        assertThat(weights(back.path("ServiceWeights"))).as("absent again: the default").isEqualTo("1/1");
        assertThat(back.path("ModifyIndex").asLong()).isGreaterThan(entry.path("ModifyIndex").asLong());
    }

    @Test
    void theCatalogEndpointKeepsValidWeightsAndReplacesInvalidOnesWithTheDefault() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("c-given", "{\"Passing\":3,\"Warning\":1}");
        given.put("c-absent", null);
        given.put("c-passing-only", "{\"Passing\":5}");
        given.put("c-zero", "{\"Passing\":0,\"Warning\":0}");
        given.put("c-negative", "{\"Passing\":-3,\"Warning\":-1}");
        given.put("c-empty", "{}");
        given.put("c-too-big", "{\"Passing\":70000}");
        for (Map.Entry<String, String> g : given.entrySet()) {
            http.put("/v1/catalog/register", catalogRegistration(g.getKey(), g.getValue())).requireOk();
        }
        assertThat(weightsIn("/v1/catalog/service/" + name, "ServiceID", "ServiceWeights")).isEqualTo(Map.of(
                "c-given", "3/1", "c-absent", "1/1", "c-passing-only", "5/0", "c-zero", "1/1", "c-negative", "1/1",
                "c-empty", "1/1", "c-too-big", "1/1"));

        ConsulHttp.Response notANumber = http.put("/v1/catalog/register", catalogRegistration("c-bad", "{\"Passing\":\"x\"}"));
        assertThat(notANumber.status()).isEqualTo(400);
        assertThat(notANumber.body()).isEqualTo(
                "Request decode failed: json: cannot unmarshal string into Go struct field Weights.Service.Weights.Passing of type int");
        ConsulHttp.Response notAnObject = http.put("/v1/catalog/register", catalogRegistration("c-bad", "[1]"));
        assertThat(notAnObject.status()).isEqualTo(400);
        assertThat(notAnObject.body()).isEqualTo(
                "Request decode failed: json: cannot unmarshal array into Go struct field NodeService.Service.Weights of type structs.Weights");
    }

    private String catalogRegistration(String id, String weightsJson) {
        String weights = weightsJson == null ? "" : ",\"Weights\":" + weightsJson;
        return "{\"Node\":" + ConsulHttp.quote(externalNode) + ",\"Address\":\"10.0.0.1\",\"Service\":{\"ID\":\"" + id
                + "\",\"Service\":\"" + name + "\",\"Port\":80" + weights + "}}";
    }

    @Test
    void dnsGivesThePassingWeightToPassingInstancesAndTheWarningWeightToWarningOnes() {
        try (ConsulTestCluster withDns = ConsulTestCluster.startWithDns("node-1")) {
            ConsulHttp h = withDns.http();
            String at = withDns.nodes().get(0);
            String svc = unique("dnsweights");
            // three instances: a plain 512-byte DNS answer holds three (udp_answer_limit)
            String[][] instances = {{"p", "8001", "passing", "{\"Passing\":7,\"Warning\":2}"},
                {"w", "8002", "warning", "{\"Passing\":7,\"Warning\":2}"}, {"z", "8003", "warning", "{\"Passing\":5,\"Warning\":0}"}};
            for (String[] i : instances) {
                h.registerService(at, "{\"ID\":\"" + svc + "-" + i[0] + "\",\"Name\":\"" + svc + "\",\"Address\":\"127.0.0.11\","
                        + "\"Port\":" + i[1] + ",\"Weights\":" + i[3] + ",\"Check\":{\"CheckID\":\"" + svc + "-" + i[0]
                        + "-ttl\",\"TTL\":\"10m\",\"Status\":\"" + i[2] + "\"}}").requireOk();
            }
            DnsClient dns = new DnsClient(withDns.dnsAddress());
            List<String> priorityWeightPort = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> srvPriorityWeightPort(dns, svc), l -> l.size() == 3);
            assertThat(priorityWeightPort).containsExactlyInAnyOrder("1 7 8001", "1 2 8002", "1 0 8003");
        }
    }

    private static List<String> srvPriorityWeightPort(DnsClient dns, String service) {
        List<String> out = new ArrayList<>();
        for (DnsClient.Record r : dns.query(service + ".service.consul.", DnsClient.SRV).answer(DnsClient.SRV)) {
            String[] f = r.data().split(" ");
            out.add(f[0] + " " + f[1] + " " + f[2]);
        }
        return out;
    }
}
