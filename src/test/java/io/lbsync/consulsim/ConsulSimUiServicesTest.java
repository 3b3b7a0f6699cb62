package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.consulsim.TokenPolicy.Access;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * /v1/internal/ui/services as Consul 1.9 answers it: one summary per service name, sorted by name; Nodes holds a node
 * per instance (sorted, repeated for two instances on one node); Tags is the sorted union; ExternalSources the distinct
 * "external-source" meta values; every check of the instances counts once by status, a node-level check once per
 * node; null (Go's nil slice) for untagged services and when nothing is left to list. ?filter works on the instances,
 * a blocking read wakes on a registration, and an instance needs node:read and service:read to be summed up.
 */
class ConsulSimUiServicesTest {
    private static final List<String> FIELDS = List.of("Name", "Datacenter", "Tags", "Nodes", "ExternalSources",
            "InstanceCount", "ChecksPassing", "ChecksWarning", "ChecksCritical", "GatewayConfig", "ConnectedWithProxy",
            "ConnectedWithGateway");

    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String first;
    private String second;
    private final String name = unique("uisvc");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1", "node-2");
        http = cluster.http();
        first = cluster.nodes().get(0);
        second = cluster.nodes().get(1);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            http.via(second).put("/v1/agent/maintenance?enable=false", "");
            cluster.close();
        }
    }

    private void register(String node, String id, String tags, String source, String status) {
        String meta = source == null ? "" : ",\"Meta\":{\"external-source\":\"" + source + "\"}";
        http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Port\":80,\"Tags\":" + tags + meta
                + ",\"Check\":{\"CheckID\":\"" + id + "-check\",\"TTL\":\"10m\",\"Status\":\"" + status + "\"}}").requireOk();
    }

    /** Three instances: two on the first node (one warning), one on the second node, which is in maintenance. */
    private void registerThreeInstances() {
        register(first, name + "-b", "[\"web\",\"b\"]", "nomad", "passing");
        register(first, name + "-a", "[\"web\",\"a\",\"a\"]", "k8s", "warning");
        register(second, name + "-c", "[\"c\"]", "k8s", "passing");
        http.via(second).put("/v1/agent/maintenance?enable=true&reason=uisvc", "").requireOk();
    }

    /** The summary of {@code service} in the answer to {@code path}, or null. */
    private JsonNode summary(String path, String service) {
        for (JsonNode s : http.get(path).requireOk().json()) {
            if (s.path("Name").asText().equals(service)) {
                return s;
            }
        }
        return null;
    }

    private static String filter(String expression) {
        return "?filter=" + URLEncoder.encode(expression, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void aServiceOnSeveralNodesIsSummedUpOverItsInstances() {
        registerThreeInstances();
        String dc = http.get("/v1/agent/self").requireOk().json().path("Config").path("Datacenter").asText();
        List<String> nodes = new ArrayList<>(List.of(first, first, second));
        nodes.sort(null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode s = summary("/v1/internal/ui/services", name);
            assertThat(s).isNotNull();
            assertThat(fieldNames(s)).isEqualTo(FIELDS);
            assertThat(s.path("Datacenter").asText()).isEqualTo(dc);
            assertThat(texts(s.path("Tags"))).containsExactly("a", "b", "c", "web");
            assertThat(texts(s.path("Nodes"))).isEqualTo(nodes);
            assertThat(texts(s.path("ExternalSources"))).containsExactly("k8s", "nomad");
            assertThat(s.path("InstanceCount").asInt()).isEqualTo(3);
            // serfHealth of both nodes and two service checks; one service check; the second node's maintenance
            assertThat(s.path("ChecksPassing").asInt()).isEqualTo(4);
            assertThat(s.path("ChecksWarning").asInt()).isEqualTo(1);
            assertThat(s.path("ChecksCritical").asInt()).isEqualTo(1);
            assertThat(s.path("GatewayConfig").toString()).isEqualTo("{}");
            assertThat(s.path("ConnectedWithProxy").asBoolean(true)).isFalse();
            assertThat(s.path("ConnectedWithGateway").asBoolean(true)).isFalse();
        });
    }

    @Test
    void theListIsSortedByNameAndUntaggedServicesHaveNullTags() {
        http.registerService(first, "{\"ID\":\"" + name + "\",\"Name\":\"" + name + "\",\"Port\":80}").requireOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> summary("/v1/internal/ui/services", name) != null);
        ConsulHttp.Response r = http.get("/v1/internal/ui/services").requireOk();
        assertThat(r.index()).isPositive();
        List<String> names = new ArrayList<>();
        r.json().forEach(s -> names.add(s.path("Name").asText()));
        assertThat(names).isSorted().doesNotHaveDuplicates().contains("consul", name);
        for (JsonNode s : r.json()) {
            if (s.path("Name").asText().equals(name) || s.path("Name").asText().equals("consul")) {
                assertThat(fieldNames(s)).isEqualTo(FIELDS); // no Kind: omitted when empty
                assertThat(s.get("Tags").isNull()).isTrue();
                assertThat(s.get("ExternalSources").isNull()).isTrue();
                assertThat(s.path("ChecksPassing").asInt()).isEqualTo(1); // serfHealth
            }
        }
        assertThat(summary("/v1/internal/ui/services", name).path("Nodes").toString()).isEqualTo("[\"" + first + "\"]");
    }

    @Test
    void aFilterKeepsInstancesBeforeTheyAreSummedUp() {
        registerThreeInstances();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(summary("/v1/internal/ui/services", name).path("ChecksCritical").asInt()).isEqualTo(1));

        JsonNode only = http.get("/v1/internal/ui/services" + filter("Service.Service == \"" + name + "\"")).requireOk().json();
        assertThat(only).hasSize(1);
        assertThat(only.get(0).path("InstanceCount").asInt()).isEqualTo(3);

        // two instances on one node: the node twice, its serfHealth once
        JsonNode onFirst = summary("/v1/internal/ui/services" + filter("Node.Node == \"" + first + "\""), name);
        assertThat(texts(onFirst.path("Nodes"))).containsExactly(first, first);
        assertThat(texts(onFirst.path("Tags"))).containsExactly("a", "b", "web");
        assertThat(onFirst.path("InstanceCount").asInt()).isEqualTo(2);
        assertThat(onFirst.path("ChecksPassing").asInt()).isEqualTo(2);
        assertThat(onFirst.path("ChecksWarning").asInt()).isEqualTo(1);
        assertThat(onFirst.path("ChecksCritical").asInt()).isZero();

        // several services, joined by or (how lbsync asks for the services it watches)
        JsonNode either = http.get("/v1/internal/ui/services" + filter("Service.Service == \"" + name + "-other\" or "
                + "Service.Service == \"" + name + "\"")).requireOk().json();
        assertThat(either).hasSize(1);
        assertThat(either.get(0).path("Name").asText()).isEqualTo(name);
        assertThat(http.get("/v1/internal/ui/services" + filter("Service.Service == \"" + name + "\" or ")).status())
                .as("a dangling or").isEqualTo(500);

        ConsulHttp.Response none = http.get("/v1/internal/ui/services" + filter("Service.ID == \"" + name + "-none\"")).requireOk();
        assertThat(none.body()).isEqualTo("null");
        assertThat(none.index()).isPositive();

        ConsulHttp.Response bad = http.get("/v1/internal/ui/services" + filter("Bogus == \"x\""));
        assertThat(bad.status()).isEqualTo(500);
        assertThat(bad.body()).endsWith("Failed to create boolean expression evaluator: Selector \"Bogus\" is not valid");
    }

    @Test
    void aBlockingReadWakesOnARegistration() throws Exception {
        ConsulHttp.BlockedRead read = http.blockedRead("/v1/internal/ui/services");
        assertThat(read.answer()).as("the read blocks while nothing changes").isNotDone();
        http.registerService(second, "{\"ID\":\"" + name + "\",\"Name\":\"" + name + "\",\"Port\":80}").requireOk();
        ConsulHttp.Response r = read.answer().get(10, TimeUnit.SECONDS).requireOk();
        assertThat(r.index()).isGreaterThan(read.index());
        await().atMost(Duration.ofSeconds(10)).until(() -> summary("/v1/internal/ui/services", name) != null);
    }

    @Test
    void anInstanceNeedsNodeReadAndServiceReadToBeListed() {
        String readOnly = UUID.randomUUID().toString();
        String nodesOnly = UUID.randomUUID().toString();
        String servicesOnly = UUID.randomUUID().toString();
        try (ConsulTestCluster acl = ConsulTestCluster.startWithAcl(ConsulSimulator.builder(), 1)) {
            acl.addToken(readOnly, TokenPolicy.readOnly());
            acl.addToken(nodesOnly, new TokenPolicy(false, Access.DENY, Access.READ, Access.DENY, Access.DENY));
            acl.addToken(servicesOnly, new TokenPolicy(false, Access.READ, Access.DENY, Access.DENY, Access.DENY));
            ConsulHttp master = acl.http();
            master.registerService(acl.nodes().get(0), "{\"ID\":\"" + name + "\",\"Name\":\"" + name + "\",\"Port\":80}").requireOk();
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> master.get("/v1/internal/ui/services").requireOk().body().contains("\"" + name + "\""));

            assertThat(master.withToken(readOnly).get("/v1/internal/ui/services").requireOk().body()).contains("\"" + name + "\"");
            for (String token : new String[] {nodesOnly, servicesOnly, null}) {
                ConsulHttp.Response r = master.withToken(token).get("/v1/internal/ui/services").requireOk();
                assertThat(r.body()).as("token %s", token).isEqualTo("null");
                assertThat(r.index()).isPositive();
            }
        }
    }
}
