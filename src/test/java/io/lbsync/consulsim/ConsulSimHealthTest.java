package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** TTL checks, the ?passing filter, node checks, check updates and their errors. */
class ConsulSimHealthTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void registerWithTtl(String id, String name, String ttl, String status) {
        String statusJson = status == null ? "" : ",\"Status\":\"" + status + "\"";
        http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + name + "\",\"Port\":80,"
                + "\"Check\":{\"CheckID\":\"" + id + "-ttl\",\"TTL\":\"" + ttl + "\"" + statusJson + "}}").requireOk();
    }

    private JsonNode serviceCheck(String name, String checkId) {
        for (JsonNode c : http.get("/v1/health/checks/" + name).requireOk().json()) {
            if (c.path("CheckID").asText().equals(checkId)) {
                return c;
            }
        }
        return null;
    }

    @Test
    void aTtlCheckStartsCriticalUnlessAStatusIsGiven() {
        String name = unique("ttl");
        registerWithTtl(name + "-a", name, "60s", null);
        registerWithTtl(name + "-b", name, "60s", "passing");
        assertThat(serviceCheck(name, name + "-a-ttl").path("Status").asText()).isEqualTo("critical");
        assertThat(serviceCheck(name, name + "-b-ttl").path("Status").asText()).isEqualTo("passing");
    }

    @Test
    void aTtlCheckNotRefreshedInTimeTurnsCritical() {
        String name = unique("expire");
        registerWithTtl(name, name, "1s", "passing");
        http.passCheck(node, name + "-ttl", "alive").requireOk();
        assertThat(serviceCheck(name, name + "-ttl").path("Status").asText()).isEqualTo("passing");
        await().atMost(Duration.ofSeconds(5)).until(() -> serviceCheck(name, name + "-ttl").path("Status").asText().equals("critical"));
        assertThat(serviceCheck(name, name + "-ttl").path("Output").asText()).startsWith("TTL expired");
    }

    @Test
    void passingFilterKeepsOnlyInstancesWhoseEveryCheckPasses() {
        String name = unique("pf");
        registerWithTtl(name + "-up", name, "60s", "passing");
        registerWithTtl(name + "-down", name, "60s", "critical");
        JsonNode all = http.get("/v1/health/service/" + name).requireOk().json();
        assertThat(all.findValuesAsText("ID")).contains(name + "-up", name + "-down");
        for (String query : new String[] {"?passing", "?passing=true", "?passing=1"}) {
            JsonNode passing = http.get("/v1/health/service/" + name + query).requireOk().json();
            assertThat(passing).as(query).hasSize(1);
            assertThat(passing.get(0).path("Service").path("ID").asText()).isEqualTo(name + "-up");
        }
        assertThat(http.get("/v1/health/service/" + name + "?passing=false").json()).hasSize(2);
        assertThat(http.get("/v1/health/service/" + name + "?passing=maybe").status()).isEqualTo(400);
    }

    @Test
    void everyAgentNodeHasAPassingSerfHealthCheck() {
        JsonNode checks = http.get("/v1/health/node/" + node).requireOk().json();
        JsonNode serf = null;
        for (JsonNode c : checks) {
            if (c.path("CheckID").asText().equals("serfHealth")) {
                serf = c;
            }
        }
        assertThat(serf).isNotNull();
        assertThat(serf.path("Name").asText()).isEqualTo("Serf Health Status");
        assertThat(serf.path("Status").asText()).isEqualTo("passing");
        assertThat(serf.path("ServiceID").asText()).isEmpty();
        assertThat(http.get("/v1/health/state/passing").requireOk().json().findValuesAsText("CheckID")).contains("serfHealth");
    }

    @Test
    void checkUpdateSetsStatusAndOutputAndHealthStateFollows() {
        String name = unique("upd");
        registerWithTtl(name, name, "60s", "passing");
        ConsulHttp.Response r = http.put("/v1/agent/check/update/" + name + "-ttl", "{\"Status\":\"warning\",\"Output\":\"slow\"}");
        r.requireOk();
        JsonNode check = serviceCheck(name, name + "-ttl");
        assertThat(check.path("Status").asText()).isEqualTo("warning");
        assertThat(check.path("Output").asText()).isEqualTo("slow");
        assertThat(http.get("/v1/health/state/warning").json().findValuesAsText("CheckID")).contains(name + "-ttl");
        assertThat(http.get("/v1/health/state/critical").json().findValuesAsText("CheckID")).doesNotContain(name + "-ttl");

        assertThat(http.put("/v1/agent/check/update/" + name + "-ttl", "{\"Status\":\"purple\"}").status()).isEqualTo(400);
        ConsulHttp.Response unknown = http.passCheck(node, unique("no-such-check"), null);
        assertThat(unknown.status()).isEqualTo(500);
    }

    @Test
    void anOutputOnlyChangeStillBumpsTheChecksModifyIndex() {
        // Real agents defer output-only updates by check_update_interval (5 min by default); the simulator
        // behaves like check_update_interval=0 (a known difference, docs/consul-simulator.md).
        cluster.assumeSimulator("real agents defer output-only check updates by check_update_interval (5 min)");
        String name = unique("out");
        registerWithTtl(name, name, "60s", "passing");
        http.passCheck(node, name + "-ttl", "output one").requireOk();
        long before = serviceCheck(name, name + "-ttl").path("ModifyIndex").asLong();
        http.passCheck(node, name + "-ttl", "output two").requireOk();
        JsonNode after = serviceCheck(name, name + "-ttl");
        assertThat(after.path("Status").asText()).isEqualTo("passing");
        assertThat(after.path("Output").asText()).isEqualTo("output two");
        assertThat(after.path("ModifyIndex").asLong()).isGreaterThan(before);
    }
}
