package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * /v1/internal/ui/nodes, the listing the catalog watch compares to find which service a registration change was about:
 * every node with its registrations (ID, Service, ModifyIndex...) and checks; a registration's ModifyIndex moves when
 * it is registered again with another port; a blocking read wakes on registration and check changes.
 */
class ConsulSimUiNodesTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;
    private final String name = unique("ui");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.deregisterEverywhere(name + "-1");
            cluster.close();
        }
    }

    private void register(int port) {
        http.registerService(node, "{\"ID\":\"" + name + "-1\",\"Name\":\"" + name + "\",\"Port\":" + port
                + ",\"Check\":{\"CheckID\":\"" + name + "-check\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
    }

    /** The registration of our service in the dump, or null. */
    private static JsonNode registration(JsonNode dump, String id) {
        for (JsonNode n : dump) {
            for (JsonNode s : n.path("Services")) {
                if (s.path("ID").asText().equals(id)) {
                    return s;
                }
            }
        }
        return null;
    }

    @Test
    void everyNodeWithItsRegistrationsAndTheirModifyIndex() {
        register(8001);
        ConsulHttp.Response r = http.get("/v1/internal/ui/nodes").requireOk();
        assertThat(r.index()).isPositive();
        JsonNode dump = r.json();
        assertThat(dump.isArray()).isTrue();
        JsonNode first = dump.get(0);
        assertThat(first.has("Node") && first.has("Address") && first.has("Services") && first.has("Checks")).isTrue();
        JsonNode svc = registration(dump, name + "-1");
        assertThat(svc).isNotNull();
        assertThat(svc.path("Service").asText()).isEqualTo(name);
        assertThat(svc.path("Port").asInt()).isEqualTo(8001);
        long before = svc.path("ModifyIndex").asLong();
        assertThat(before).isPositive();

        register(8002);
        JsonNode again = registration(http.get("/v1/internal/ui/nodes").requireOk().json(), name + "-1");
        assertThat(again.path("Port").asInt()).isEqualTo(8002);
        assertThat(again.path("ModifyIndex").asLong()).isGreaterThan(before);
    }

    @Test
    void aBlockingReadWakesOnARegistrationAndOnACheckChange() throws Exception {
        register(8001);
        ConsulHttp.BlockedRead read = http.blockedRead("/v1/internal/ui/nodes");
        assertThat(read.answer()).as("the read blocks while nothing changes").isNotDone();
        http.failCheck(node, name + "-check", "down").requireOk();
        ConsulHttp.Response r = read.answer().get(10, TimeUnit.SECONDS).requireOk();
        assertThat(r.index()).isGreaterThan(read.index());
    }
}
