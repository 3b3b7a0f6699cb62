package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.TokenPolicy;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Pause;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Under a default-deny ACL the registration guard acts with its caller's token, never with lbsync's: a client
 * without write rights gets Consul's 403 and nothing is registered. lbsync itself runs with a least-privilege
 * token (read, plus the session and key of its leader lock). Tokens are created by the test (simulator, or ACL policies
 * and tokens on real Consul).
 */
class RegistrationGuardAclIT {
    private static final String LBSYNC = UUID.randomUUID().toString();
    private static final String CLIENT = UUID.randomUUID().toString();

    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private final String service = ConsulTestCluster.unique("acl-guarded");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.startWithAcl(ConsulSimulator.builder().agents("node-1", "node-2")
                .nodeAddress("node-2", "127.0.0.2"), 2);
        cluster.addToken(LBSYNC, TokenPolicy.readOnly().withSessionWrite().withKeyWrite());
        cluster.addToken(CLIENT, TokenPolicy.readOnly().withServiceWrite());
        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true);
        p.put("lbsync.consul.token", LBSYNC);
        p.put("lbsync.registration-guard.enabled", "true");
        app = LbsyncApp.start(p);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
        }
        if (cluster != null) {
            cluster.deregisterEverywhere(service); // registered through the guard: not tracked by the test's client
            cluster.close();
        }
    }

    private String body() {
        return "{\"Name\":\"" + service + "\",\"ID\":\"" + service + "-1\",\"Address\":\"10.4.4.4\",\"Port\":80}";
    }

    private int copies() {
        return cluster.http().get("/v1/catalog/service/" + service).requireOk().json().size();
    }

    @Test
    void aCallerWithoutWriteRightsIsRefusedAndNothingIsRegistered() {
        ConsulHttp.Response anonymous = app.http("PUT", "/v1/agent/service/register", body());
        assertThat(anonymous.status()).isEqualTo(403);
        assertThat(anonymous.body()).contains("Permission denied");
        Pause.millis(300);
        assertThat(copies()).isZero();
    }

    @Test
    void aCallerWithWriteRightsRegistersAndLbsyncLeadsWithItsLeastPrivilegeToken() {
        ConsulHttp.Response r = app.http("PUT", "/v1/agent/service/register", body(), CLIENT);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> copies() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> app.httpGet("/cleanup/report").json().path("leader").asBoolean());
    }
}
