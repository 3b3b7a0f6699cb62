package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Maintenance mode as Consul 1.9 answers it: PUT /v1/agent/service/maintenance/:id and /v1/agent/maintenance add
 * (enable=true) or remove (enable=false) a critical check of type "maintenance" that every health read shows and
 * that wakes blocking queries; their 400s, 404s, 405s and ACL refusals.
 */
class ConsulSimMaintenanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICE_DEFAULT_NOTES =
            "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";
    private static final String NODE_DEFAULT_NOTES =
            "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.";

    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;
    private final String name = unique("maint");
    private final String id = name + "-1";
    private final String maintCheck = "_service_maintenance:" + id;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
        http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Tags\":[\"a\",\"b\"],\"Port\":8080,"
                + "\"Check\":{\"CheckID\":\"" + id + "-ttl\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            // a real cluster outlives the test: never leave its node in maintenance
            http.put("/v1/agent/maintenance?enable=false", "");
            cluster.close();
        }
    }

    private ConsulHttp.Response serviceMaintenance(String serviceId, String query) {
        return http.put("/v1/agent/service/maintenance/" + serviceId + query, "");
    }

    private static List<String> checkIds(JsonNode checks) {
        return checks.findValuesAsText("CheckID");
    }

    /** The agent's own view of a check: structs.HealthCheck with indexes 0. */
    private ObjectNode agentCheck(String checkId, String checkName, String notes, String serviceId, String serviceName,
                                  List<String> serviceTags) {
        ObjectNode c = JSON.createObjectNode();
        c.put("Node", node).put("CheckID", checkId).put("Name", checkName).put("Status", "critical").put("Notes", notes)
                .put("Output", "").put("ServiceID", serviceId).put("ServiceName", serviceName);
        serviceTags.forEach(c.putArray("ServiceTags")::add);
        c.put("Type", "maintenance");
        c.putObject("Definition");
        c.put("CreateIndex", 0).put("ModifyIndex", 0);
        return c;
    }

    /** The catalog's copy of a check: the agent's, with the indexes of the raft write. */
    private static void assertCatalogCopy(JsonNode catalog, ObjectNode agent) {
        assertThat(catalog).as("in the catalog").isNotNull();
        long index = catalog.path("CreateIndex").asLong();
        assertThat(index).isPositive();
        assertThat(catalog.path("ModifyIndex").asLong()).isEqualTo(index);
        assertThat(catalog).isEqualTo(reparsed(agent.deepCopy().put("CreateIndex", index).put("ModifyIndex", index)));
    }

    /** As a parsed answer holds it (int and long nodes compare unequal). */
    private static JsonNode reparsed(JsonNode n) {
        try {
            return JSON.readTree(n.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode withId(JsonNode checks, String checkId) {
        for (JsonNode c : checks) {
            if (c.path("CheckID").asText().equals(checkId)) {
                return c;
            }
        }
        return null;
    }

    @Test
    void serviceMaintenanceAddsACriticalCheckWithTheReasonAndDisablingRemovesIt() {
        ConsulHttp.Response on = serviceMaintenance(id, "?enable=true&reason=deploying%20v2");
        assertThat(on.status()).isEqualTo(200);
        assertThat(on.body()).isEmpty();

        ObjectNode expected = agentCheck(maintCheck, "Service Maintenance Mode", "deploying v2", id, name, List.of("a", "b"));
        assertThat(http.getFrom(node, "/v1/agent/checks").requireOk().json().path(maintCheck)).isEqualTo(expected);
        assertCatalogCopy(withId(http.get("/v1/health/checks/" + name).requireOk().json(), maintCheck), expected);
        JsonNode entries = http.get("/v1/health/service/" + name).requireOk().json();
        assertThat(entries).hasSize(1);
        assertCatalogCopy(withId(entries.get(0).path("Checks"), maintCheck), expected);
        assertThat(http.get("/v1/health/service/" + name + "?passing").requireOk().json()).isEmpty();
        assertThat(checkIds(http.get("/v1/health/state/critical").requireOk().json())).contains(maintCheck);
        assertThat(checkIds(http.get("/v1/health/state/any").requireOk().json())).contains(maintCheck, id + "-ttl");
        assertThat(checkIds(http.get("/v1/health/node/" + node).requireOk().json())).contains(maintCheck);

        ConsulHttp.Response off = serviceMaintenance(id, "?enable=false");
        assertThat(off.status()).isEqualTo(200);
        assertThat(off.body()).isEmpty();
        assertThat(http.getFrom(node, "/v1/agent/checks").requireOk().json().has(maintCheck)).isFalse();
        assertThat(checkIds(http.get("/v1/health/checks/" + name).requireOk().json())).containsExactly(id + "-ttl");
        assertThat(checkIds(http.get("/v1/health/state/any").requireOk().json())).doesNotContain(maintCheck);
        assertThat(http.get("/v1/health/service/" + name + "?passing").requireOk().json()).hasSize(1);
        // disabling again: nothing to remove, still 200
        serviceMaintenance(id, "?enable=false").requireOk();
    }

    @Test
    void withoutAReasonTheNotesAreConsulsDefaultAndEnablingAgainKeepsTheFirstReason() {
        serviceMaintenance(id, "?enable=true").requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().path(maintCheck).path("Notes").asText())
                .isEqualTo(SERVICE_DEFAULT_NOTES);
        serviceMaintenance(id, "?enable=1&reason=other").requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().path(maintCheck).path("Notes").asText())
                .isEqualTo(SERVICE_DEFAULT_NOTES);
        serviceMaintenance(id, "?enable=False").requireOk();
        serviceMaintenance(id, "?enable=T&reason=").requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().path(maintCheck).path("Notes").asText())
                .as("an empty reason is no reason").isEqualTo(SERVICE_DEFAULT_NOTES);
    }

    @Test
    void enableMustBeAGoBoolAndTheServiceIdGivenAndKnown() {
        for (String path : List.of("/v1/agent/service/maintenance/" + id, "/v1/agent/maintenance")) {
            assertAnswer(http.put(path, ""), 400, "Missing value for enable");
            assertAnswer(http.put(path + "?reason=x", ""), 400, "Missing value for enable");
            assertAnswer(http.put(path + "?enable=maybe", ""), 400, "Invalid value for enable: \"maybe\"");
            assertAnswer(http.put(path + "?enable", ""), 400, "Invalid value for enable: \"\"");
            assertAnswer(http.put(path + "?enable=yes", ""), 400, "Invalid value for enable: \"yes\"");
            assertThat(http.send("GET", cluster.url() + path + "?enable=true", null, Duration.ofSeconds(10)).status())
                    .as("GET " + path).isEqualTo(405);
        }
        assertAnswer(http.put("/v1/agent/service/maintenance/?enable=true", ""), 400, "Missing service ID");
        String ghost = unique("ghost");
        assertAnswer(serviceMaintenance(ghost, "?enable=true"), 404, "No service registered with ID \"" + ghost + "\"");
        assertAnswer(serviceMaintenance(ghost, "?enable=false"), 404, "No service registered with ID \"" + ghost + "\"");
        assertThat(http.getFrom(node, "/v1/agent/checks").json().has(maintCheck)).isFalse();
    }

    private static void assertAnswer(ConsulHttp.Response r, int status, String body) {
        assertThat(r.status()).as(body).isEqualTo(status);
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void nodeMaintenanceAddsANodeCheckThatEveryServiceOnTheNodeCarries() {
        ConsulHttp.Response on = http.put("/v1/agent/maintenance?enable=true", "");
        assertThat(on.status()).isEqualTo(200);
        assertThat(on.body()).isEmpty();

        ObjectNode expected = agentCheck("_node_maintenance", "Node Maintenance Mode", NODE_DEFAULT_NOTES, "", "", List.of());
        assertThat(http.getFrom(node, "/v1/agent/checks").requireOk().json().path("_node_maintenance")).isEqualTo(expected);
        assertCatalogCopy(withId(http.get("/v1/health/node/" + node).requireOk().json(), "_node_maintenance"), expected);
        JsonNode entry = http.get("/v1/health/service/" + name).requireOk().json().get(0);
        assertCatalogCopy(withId(entry.path("Checks"), "_node_maintenance"), expected);
        assertThat(http.get("/v1/health/service/" + name + "?passing").requireOk().json()).isEmpty();
        assertThat(checkIds(http.get("/v1/health/checks/" + name).requireOk().json()))
                .as("a node check belongs to no service").doesNotContain("_node_maintenance");
        assertThat(checkIds(http.get("/v1/health/state/critical").requireOk().json())).contains("_node_maintenance");

        http.put("/v1/agent/maintenance?enable=true&reason=other", "").requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().path("_node_maintenance").path("Notes").asText())
                .as("enabling again keeps the check as it was").isEqualTo(NODE_DEFAULT_NOTES);

        http.put("/v1/agent/maintenance?enable=false", "").requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().has("_node_maintenance")).isFalse();
        assertThat(checkIds(http.get("/v1/health/node/" + node).json())).doesNotContain("_node_maintenance");
        assertThat(http.get("/v1/health/service/" + name + "?passing").requireOk().json()).hasSize(1);

        http.put("/v1/agent/maintenance?enable=true&reason=rack%2012%20power", "").requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().path("_node_maintenance").path("Notes").asText())
                .isEqualTo("rack 12 power");
    }

    @Test
    void aBlockingHealthReadWakesWhenMaintenanceStartsAndEnds() throws Exception {
        long index = http.get("/v1/health/service/" + name).requireOk().index();
        CompletableFuture<ConsulHttp.Response> woken = blockingRead(index);
        Thread.sleep(300);
        assertThat(woken).as("blocks while nothing changes").isNotDone();
        serviceMaintenance(id, "?enable=true").requireOk();
        ConsulHttp.Response r = woken.get(10, TimeUnit.SECONDS).requireOk();
        assertThat(r.index()).isGreaterThan(index);
        assertThat(checkIds(r.json().get(0).path("Checks"))).contains(maintCheck);

        CompletableFuture<ConsulHttp.Response> again = blockingRead(r.index());
        Thread.sleep(300);
        assertThat(again).isNotDone();
        serviceMaintenance(id, "?enable=false").requireOk();
        ConsulHttp.Response after = again.get(10, TimeUnit.SECONDS).requireOk();
        assertThat(after.index()).isGreaterThan(r.index());
        assertThat(checkIds(after.json().get(0).path("Checks"))).doesNotContain(maintCheck);
    }

    private CompletableFuture<ConsulHttp.Response> blockingRead(long index) {
        return CompletableFuture.supplyAsync(() -> http.get("/v1/health/service/" + name + "?index=" + index + "&wait=20s",
                Duration.ofSeconds(30)));
    }

    @Test
    void theMaintenanceCheckHasNoTtlAndGoesWithItsServiceOrWithReplaceExistingChecks() {
        serviceMaintenance(id, "?enable=true").requireOk();
        assertAnswer(http.passCheck(node, maintCheck, null), 500, "CheckID \"" + maintCheck + "\" does not have associated TTL");
        assertAnswer(http.put("/v1/agent/check/update/" + maintCheck, "{\"Status\":\"passing\"}"), 500,
                "CheckID \"" + maintCheck + "\" does not have associated TTL");

        String registration = "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Tags\":[\"a\",\"b\"],\"Port\":8081,"
                + "\"Check\":{\"CheckID\":\"" + id + "-ttl\",\"TTL\":\"10m\",\"Status\":\"passing\"}}";
        http.registerService(node, registration).requireOk();
        assertThat(checkIds(http.get("/v1/health/checks/" + name).json())).as("kept by a plain re-registration")
                .containsExactlyInAnyOrder(maintCheck, id + "-ttl");
        http.send("PUT", cluster.agentUrl(node) + "/v1/agent/service/register?replace-existing-checks", registration,
                Duration.ofSeconds(10)).requireOk();
        assertThat(checkIds(http.get("/v1/health/checks/" + name).json())).containsExactly(id + "-ttl");

        serviceMaintenance(id, "?enable=true").requireOk();
        http.deregisterService(node, id).requireOk();
        assertThat(http.getFrom(node, "/v1/agent/checks").json().has(maintCheck)).isFalse();
        assertThat(checkIds(http.get("/v1/health/state/any").json())).doesNotContain(maintCheck);
    }

    @Test
    void withAclsServiceMaintenanceNeedsServiceWriteAndNodeMaintenanceNodeWrite() {
        String readOnly = UUID.randomUUID().toString();
        String serviceWriter = UUID.randomUUID().toString();
        String nodeWriter = UUID.randomUUID().toString();
        try (ConsulTestCluster acl = ConsulTestCluster.startWithAcl(ConsulSimulator.builder(), 1)) {
            acl.addToken(readOnly, TokenPolicy.readOnly());
            acl.addToken(serviceWriter, TokenPolicy.readOnly().withServiceWrite());
            acl.addToken(nodeWriter, TokenPolicy.readOnly().withNodeWrite());
            ConsulHttp master = acl.http();
            String at = acl.nodes().get(0);
            String svc = unique("aclmaint");
            try {
                master.registerService(at, "{\"Name\":\"" + svc + "\",\"Port\":80}").requireOk();
                String path = "/v1/agent/service/maintenance/" + svc + "?enable=true";
                String denied = "Permission denied: Missing service:write on " + svc;
                assertAnswer(master.withToken(null).put(path, ""), 403, denied);
                assertAnswer(master.withToken(readOnly).put(path, ""), 403, denied);
                assertAnswer(master.withToken(nodeWriter).put(path, ""), 403, denied);
                assertAnswer(master.withToken(UUID.randomUUID().toString()).put(path, ""), 403, "ACL not found");
                assertAnswer(master.withToken(null).put("/v1/agent/service/maintenance/" + svc, ""), 400, "Missing value for enable");
                // with ACLs an unknown ID fails in the vetting step, as a deregistration does
                String ghost = unique("ghost");
                assertAnswer(master.put("/v1/agent/service/maintenance/" + ghost + "?enable=true", ""), 500,
                        "Unknown service {\"" + ghost + "\" {}}");

                master.withToken(serviceWriter).put(path, "").requireOk();
                assertThat(checkIds(master.get("/v1/health/checks/" + svc).requireOk().json()))
                        .containsExactly("_service_maintenance:" + svc);
                master.withToken(serviceWriter).put("/v1/agent/service/maintenance/" + svc + "?enable=false", "").requireOk();
                assertThat(master.get("/v1/health/checks/" + svc).requireOk().json()).isEmpty();

                for (String token : new String[] {null, readOnly, serviceWriter}) {
                    assertAnswer(master.withToken(token).put("/v1/agent/maintenance?enable=true", ""), 403, "Permission denied");
                    assertAnswer(master.withToken(token).put("/v1/agent/maintenance?enable=false", ""), 403, "Permission denied");
                }
                master.withToken(nodeWriter).put("/v1/agent/maintenance?enable=true&reason=acl", "").requireOk();
                assertThat(master.getFrom(at, "/v1/agent/checks").json().path("_node_maintenance").path("Notes").asText())
                        .isEqualTo("acl");
                master.withToken(nodeWriter).put("/v1/agent/maintenance?enable=false", "").requireOk();
                assertThat(master.getFrom(at, "/v1/agent/checks").json().has("_node_maintenance")).isFalse();
            } finally {
                master.put("/v1/agent/maintenance?enable=false", "");
            }
        }
    }
}
