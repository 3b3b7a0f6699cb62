package io.lbsync.consulsim;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** ACLs enabled with default deny (simulator-only setup: tokens are created through its Java API). */
class ConsulSimAclTest {
    private static final String MASTER = "root-secret";
    private static final String READ_ONLY = "ro-secret";
    private static final String WRITER = "writer-secret";

    private ConsulTestCluster cluster;
    private ConsulHttp master;
    private String node;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder().aclMasterToken(MASTER), MASTER);
        cluster.simulator().addToken(READ_ONLY, TokenPolicy.readOnly());
        cluster.simulator().addToken(WRITER, TokenPolicy.readOnly().withServiceWrite());
        master = cluster.http();
        node = cluster.nodes().get(0);
        master.registerService(node, "{\"Name\":\"web\",\"Port\":80}").requireOk();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void anonymousWritesAndSingleReadsAreDeniedAndListsAreFiltered() {
        ConsulHttp anonymous = master.withToken(null);
        ConsulHttp.Response write = anonymous.registerService(node, "{\"Name\":\"sneaky\"}");
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.body()).isEqualTo("Permission denied");
        assertThat(anonymous.get("/v1/catalog/services").requireOk().json()).isEmpty();
        assertThat(anonymous.get("/v1/health/service/web").requireOk().json()).isEmpty();
        assertThat(anonymous.get("/v1/agent/self").status()).isEqualTo(403);

        master.kvPut("secret/key", "v");
        assertThat(anonymous.get("/v1/kv/secret/key").status()).isEqualTo(403);
        assertThat(anonymous.get("/v1/kv/secret/?recurse").status()).isEqualTo(404);
        assertThat(anonymous.put("/v1/kv/secret/key", "x").status()).isEqualTo(403);
    }

    @Test
    void anUnknownTokenIsAclNotFound() {
        ConsulHttp.Response r = master.withToken("who-is-this").get("/v1/catalog/services");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("ACL not found");
    }

    @Test
    void readOnlyTokenReadsButCannotWriteWhileServiceWriteTokenRegisters() {
        ConsulHttp readOnly = master.withToken(READ_ONLY);
        assertThat(readOnly.get("/v1/catalog/services").requireOk().json().has("web")).isTrue();
        assertThat(readOnly.get("/v1/health/service/web").requireOk().json()).hasSize(1);
        assertThat(readOnly.registerService(node, "{\"Name\":\"api\"}").status()).isEqualTo(403);
        assertThat(readOnly.deregisterService(node, "web").status()).isEqualTo(403);

        ConsulHttp writer = master.withToken(WRITER);
        writer.registerService(node, "{\"Name\":\"api\"}").requireOk();
        assertThat(master.get("/v1/catalog/services").json().has("api")).isTrue();
    }

    @Test
    void managementTokenIsAcceptedInHeaderBearerAndQueryParameter() throws Exception {
        assertThat(master.get("/v1/agent/self").status()).isEqualTo(200);
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest bearer = HttpRequest.newBuilder(URI.create(cluster.url() + "/v1/catalog/services"))
                .header("Authorization", "Bearer " + MASTER).build();
        String body = client.send(bearer, HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).contains("\"web\"");
        HttpRequest query = HttpRequest.newBuilder(URI.create(cluster.url() + "/v1/catalog/services?token=" + MASTER)).build();
        assertThat(client.send(query, HttpResponse.BodyHandlers.ofString()).body()).contains("\"web\"");
    }
}
