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
import java.util.UUID;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** ACLs enabled with default deny: tokens made as simulator policies, or as ACL policies and tokens on real Consul. */
class ConsulSimAclTest {
    private static final String READ_ONLY = UUID.randomUUID().toString();
    private static final String WRITER = UUID.randomUUID().toString();
    private static final String LOCKER = UUID.randomUUID().toString();
    private static final String SESSION_ONLY = UUID.randomUUID().toString();
    private static final String NO_SESSION_RULE = UUID.randomUUID().toString();

    private String masterToken;
    private final String web = unique("web");
    private final String api = unique("api");
    private final String keys = unique("acl-test");

    private ConsulTestCluster cluster;
    private ConsulHttp master;
    private String node;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.startWithAcl(ConsulSimulator.builder(), 1);
        masterToken = cluster.token();
        cluster.addToken(READ_ONLY, TokenPolicy.readOnly());
        cluster.addToken(WRITER, TokenPolicy.readOnly().withServiceWrite());
        cluster.addToken(LOCKER, TokenPolicy.readOnly().withSessionWrite().withKeyWrite());
        cluster.addToken(SESSION_ONLY, TokenPolicy.readOnly().withSessionWrite());
        cluster.addToken(NO_SESSION_RULE, new TokenPolicy(false, TokenPolicy.Access.READ,
                TokenPolicy.Access.READ, TokenPolicy.Access.READ, TokenPolicy.Access.READ));
        master = cluster.http();
        node = cluster.nodes().get(0);
        master.registerService(node, "{\"Name\":\"" + web + "\",\"Port\":80}").requireOk();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anonymousWritesAndSingleReadsAreDeniedAndListsAreFiltered() {
        ConsulHttp anonymous = master.withToken(null);
        ConsulHttp.Response write = anonymous.registerService(node, "{\"Name\":\"sneaky\"}");
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.body()).isEqualTo("Permission denied: Missing service:write on sneaky");
        assertThat(anonymous.get("/v1/catalog/services").requireOk().json()).isEmpty();
        assertThat(anonymous.get("/v1/health/service/" + web).requireOk().json()).isEmpty();
        assertThat(anonymous.get("/v1/agent/self").status()).isEqualTo(403);

        master.kvPut(keys + "/key", "v");
        assertThat(anonymous.get("/v1/kv/" + keys + "/key").status()).isEqualTo(403);
        assertThat(anonymous.get("/v1/kv/" + keys + "/?recurse").status()).isEqualTo(404);
        assertThat(anonymous.put("/v1/kv/" + keys + "/key", "x").status()).isEqualTo(403);
    }

    @Test
    void deregisteringAServiceTheAgentDoesNotOwnFailsInTheAclCheck() {
        // Consul 1.9 with ACLs: the vetting step looks the ID up first (without ACLs it is a 200 no-op)
        ConsulHttp.Response r = master.deregisterService(node, unique("ghost"));
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).startsWith("Unknown service {\"ghost-").endsWith("\" {}}");
    }

    @Test
    void tokenSelfAnswersKnownTokensOnly() {
        ConsulHttp.Response anonymous = master.withToken(null).get("/v1/acl/token/self");
        assertThat(anonymous.status()).isEqualTo(403);
        assertThat(anonymous.body()).isEqualTo("ACL not found");
        assertThat(master.withToken(UUID.randomUUID().toString()).get("/v1/acl/token/self").body()).isEqualTo("ACL not found");
        ConsulHttp.Response self = master.withToken(READ_ONLY).get("/v1/acl/token/self").requireOk();
        assertThat(self.json().path("SecretID").asText()).isEqualTo(READ_ONLY);
        assertThat(self.json().path("AccessorID").asText()).hasSize(36);
    }

    @Test
    void anUnknownTokenIsAclNotFound() {
        ConsulHttp.Response r = master.withToken(UUID.randomUUID().toString()).get("/v1/catalog/services");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(cluster.rpcError(cluster.localNode(), "ACL not found"));
    }

    @Test
    void readOnlyTokenReadsButCannotWriteWhileServiceWriteTokenRegisters() {
        ConsulHttp readOnly = master.withToken(READ_ONLY);
        assertThat(readOnly.get("/v1/catalog/services").requireOk().json().has(web)).isTrue();
        assertThat(readOnly.get("/v1/health/service/" + web).requireOk().json()).hasSize(1);
        assertThat(readOnly.registerService(node, "{\"Name\":\"" + api + "\"}").status()).isEqualTo(403);
        assertThat(readOnly.deregisterService(node, web).status()).isEqualTo(403);

        ConsulHttp writer = master.withToken(WRITER);
        writer.registerService(node, "{\"Name\":\"" + api + "\"}").requireOk();
        assertThat(master.get("/v1/catalog/services").json().has(api)).isTrue();
    }

    @Test
    void managementTokenIsAcceptedInHeaderBearerAndQueryParameter() throws Exception {
        assertThat(master.get("/v1/agent/self").status()).isEqualTo(200);
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest bearer = HttpRequest.newBuilder(URI.create(cluster.url() + "/v1/catalog/services"))
                .header("Authorization", "Bearer " + masterToken).build();
        String body = client.send(bearer, HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).contains("\"" + web + "\"");
        HttpRequest query = HttpRequest.newBuilder(URI.create(cluster.url() + "/v1/catalog/services?token=" + masterToken)).build();
        assertThat(client.send(query, HttpResponse.BodyHandlers.ofString()).body()).contains("\"" + web + "\"");
    }

    @Test
    void sessionsNeedSessionRightsReadsAreFilteredAndLocksNeedKeyWrite() {
        ConsulHttp anonymous = master.withToken(null);
        ConsulHttp readOnly = master.withToken(READ_ONLY);
        ConsulHttp locker = master.withToken(LOCKER);
        ConsulHttp.Response anonymousCreate = anonymous.put("/v1/session/create", "");
        assertThat(anonymousCreate.status()).isEqualTo(403);
        assertThat(anonymousCreate.body()).isEqualTo(cluster.rpcError(cluster.localNode(), "Permission denied"));
        assertThat(readOnly.put("/v1/session/create", "").status()).isEqualTo(403);
        String id = locker.put("/v1/session/create", "").requireOk().json().path("ID").asText();

        assertThat(anonymous.get("/v1/session/info/" + id).requireOk().body()).isEqualTo("[]");
        assertThat(anonymous.get("/v1/session/list").requireOk().body()).isEqualTo("[]");
        assertThat(master.withToken(NO_SESSION_RULE).get("/v1/session/list").requireOk().body()).isEqualTo("[]");
        assertThat(readOnly.get("/v1/session/info/" + id).requireOk().json()).hasSize(1);
        assertThat(readOnly.get("/v1/session/node/" + node).requireOk().json().findValuesAsText("ID")).contains(id);
        assertThat(readOnly.put("/v1/session/renew/" + id, "").status()).isEqualTo(403);
        assertThat(readOnly.put("/v1/session/destroy/" + id, "").status()).isEqualTo(403);
        String unknown = UUID.randomUUID().toString();
        assertThat(anonymous.put("/v1/session/renew/" + unknown, "").status()).isEqualTo(404);
        assertThat(anonymous.put("/v1/session/destroy/" + unknown, "").requireOk().body()).isEqualTo("true");
        ConsulHttp.Response notAUuid = anonymous.put("/v1/session/renew/" + id + "-x", "");
        assertThat(notAUuid.status()).isEqualTo(500);
        assertThat(notAUuid.body()).isEqualTo(cluster.rpcError(cluster.localNode(), "failed session lookup: index error: UUID must be 36 characters"));

        assertThat(master.withToken(SESSION_ONLY).put("/v1/kv/" + keys + "/leader?acquire=" + id, "x").status()).isEqualTo(403);
        assertThat(locker.put("/v1/kv/" + keys + "/leader?acquire=" + id, "x").requireOk().body()).isEqualTo("true");
        assertThat(locker.put("/v1/session/renew/" + id, "").requireOk().json()).hasSize(1);
        assertThat(locker.put("/v1/session/destroy/" + id, "").requireOk().body()).isEqualTo("true");
        assertThat(master.get("/v1/kv/" + keys + "/leader").requireOk().json().get(0).has("Session")).isFalse();
    }

    @Test
    void policiesWithoutASessionRuleKeepTheirMeaning() {
        TokenPolicy.Access write = TokenPolicy.Access.WRITE;
        assertThat(new TokenPolicy(true, write, write, write, write).session()).isEqualTo(write);
        assertThat(TokenPolicy.MANAGEMENT.session()).isEqualTo(write);
        assertThat(TokenPolicy.readOnly().session()).isEqualTo(TokenPolicy.Access.READ);
        assertThat(TokenPolicy.DENY_ALL.session()).isEqualTo(TokenPolicy.Access.DENY);
        assertThat(TokenPolicy.readOnly().withServiceWrite().withSessionWrite().service()).isEqualTo(write);
    }
}
