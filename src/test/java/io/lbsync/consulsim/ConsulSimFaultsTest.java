package io.lbsync.consulsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator's fault injector (simulator-only: a real Consul has none). */
class ConsulSimFaultsTest {
    private ConsulTestCluster cluster;
    private ConsulSimulator sim;
    private ConsulHttp http;

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.simulated(ConsulSimulator.builder(), null);
        sim = cluster.simulator();
        http = cluster.http();
        sim.registerService("node-1", ServiceDefinition.of("web-1", "web", "127.0.0.1", 8080));
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void withoutRulesAnswersAreUntouched() {
        ConsulHttp.Response r = http.get("/v1/health/service/web").requireOk();
        assertThat(r.header("X-Consul-KnownLeader")).isEqualTo("true");
        assertThat(r.header("X-Consul-LastContact")).isEqualTo("0");
        assertThat(r.json().get(0).path("Service").path("ID").asText()).isEqualTo("web-1");
        assertThat(sim.faults().rules()).isEmpty();
        assertThat(sim.faults().hits()).isZero();
    }

    @Test
    void anErrorStatusAnswersLikeConsulAndTheRequestIsNotExecuted() {
        FaultRule rule = sim.faults().inject("/v1/agent/service/register", Fault.status(500, "rpc error making call: EOF"));
        ConsulHttp.Response r = http.registerService("node-1", "{\"ID\":\"web-2\",\"Name\":\"web\",\"Port\":8081}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("rpc error making call: EOF");
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(http.get("/v1/health/service/web").requireOk().json()).hasSize(1); // web-2 was not registered
        assertThat(rule.hits()).isEqualTo(1);

        sim.faults().clear();
        assertThat(rule.active()).isFalse();
        http.registerService("node-1", "{\"ID\":\"web-2\",\"Name\":\"web\",\"Port\":8081}").requireOk();
        assertThat(http.get("/v1/health/service/web").requireOk().json()).hasSize(2);
    }

    @Test
    void cannedConsulErrors() {
        sim.faults().on("/v1/catalog/services").once().inject(Fault.noClusterLeader());
        sim.faults().on("/v1/catalog/services").once().inject(Fault.tooManyConnections());
        ConsulHttp.Response noLeader = http.get("/v1/catalog/services");
        assertThat(noLeader.status()).isEqualTo(500);
        assertThat(noLeader.body()).isEqualTo("No cluster leader");
        ConsulHttp.Response tooMany = http.get("/v1/catalog/services");
        assertThat(tooMany.status()).isEqualTo(429);
        assertThat(tooMany.body()).isEqualTo("Your IP is issuing too many concurrent connections, please rate limit your calls\n");
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(200);
    }

    @Test
    void rulesMatchByPathPrefixAndOptionallyByQueryParameter() {
        sim.faults().inject("/v1/health/", Fault.status(503, "unavailable"));
        sim.faults().on("/v1/catalog/").withQueryParam("stale").inject(Fault.status(502, "bad gateway"));
        assertThat(http.get("/v1/health/service/web").status()).isEqualTo(503);
        assertThat(http.get("/v1/health/state/any").status()).isEqualTo(503);
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(200);
        assertThat(http.get("/v1/catalog/services?stale").status()).isEqualTo(502);
        assertThat(http.get("/v1/catalog/services?dc=dc1&stale=").status()).isEqualTo(502);
        assertThat(http.get("/v1/catalog/services?stalemate=1").status()).isEqualTo(200);
        assertThat(http.get("/v1/kv/anything").status()).isEqualTo(404); // Consul's own 404: not a fault
        assertThat(sim.faults().hits()).isEqualTo(4);
    }

    @Test
    void aCountedRuleRemovesItselfWhenUsedUp() {
        FaultRule rule = sim.faults().on("/v1/").times(2).inject(Fault.status(500, "x"));
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(500);
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(500);
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(200);
        assertThat(rule.hits()).isEqualTo(2);
        assertThat(rule.active()).isFalse();
        assertThat(sim.faults().rules()).isEmpty();
    }

    @Test
    void aRemovedRuleNoLongerApplies() {
        FaultRule kept = sim.faults().inject("/v1/health/", Fault.status(500, "kept"));
        FaultRule removed = sim.faults().inject("/v1/catalog/", Fault.status(500, "removed"));
        removed.remove();
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(200);
        assertThat(http.get("/v1/health/state/any").status()).isEqualTo(500);
        assertThat(sim.faults().rules()).containsExactly(kept);
    }

    @Test
    void aReplacedBodyKeepsTheRealStatusAndHeaders() {
        long index = http.get("/v1/health/service/web").requireOk().index();
        sim.faults().inject("/v1/health/service/", Fault.body("<html>502 Bad Gateway</html>"));
        ConsulHttp.Response r = http.get("/v1/health/service/web");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.index()).isEqualTo(index);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo("<html>502 Bad Gateway</html>");
    }

    @Test
    void aTruncatedBodyIsWellFormedHttpWithJsonCutInTheMiddle() {
        String full = http.get("/v1/health/service/web").requireOk().body();
        sim.faults().inject("/v1/health/service/", Fault.truncatedBody());
        ConsulHttp.Response r = http.get("/v1/health/service/web");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-Consul-Index")).isNotNull();
        byte[] fullBytes = full.getBytes(StandardCharsets.UTF_8);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(fullBytes.length / 2));
        assertThat(full).startsWith(r.body());
        assertThat(r.body()).isNotEmpty();
        assertThatThrownBy(() -> new ObjectMapper().readTree(r.body())).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void aDelayedAnswerComesLateButWhole() {
        String full = http.get("/v1/catalog/services").requireOk().body();
        sim.faults().inject("/v1/catalog/", Fault.delay(Duration.ofMillis(700)));
        long start = System.nanoTime();
        ConsulHttp.Response r = http.get("/v1/catalog/services").requireOk();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        assertThat(r.body()).isEqualTo(full);
    }

    @Test
    void aDelayLongerThanTheClientsTimeoutIsATimeout() {
        sim.faults().inject("/v1/catalog/", Fault.delay(Duration.ofSeconds(5)));
        assertThatThrownBy(() -> http.get("/v1/catalog/services", Duration.ofMillis(500)))
                .hasRootCauseInstanceOf(java.net.http.HttpTimeoutException.class);
    }

    @Test
    void aDroppedConnectionGetsNoAnswerAtAll() {
        sim.faults().on("/v1/catalog/services").inject(Fault.dropConnection());
        assertThatThrownBy(() -> http.get("/v1/catalog/services")).isInstanceOf(UncheckedIOException.class);
        assertThat(http.get("/v1/catalog/nodes").status()).isEqualTo(200);
    }

    @Test
    void headerOverridesReplaceConsulsQueryMeta() {
        long index = http.get("/v1/catalog/services").requireOk().index();
        sim.faults().inject("/v1/catalog/", Fault.knownLeader(false));
        sim.faults().inject("/v1/catalog/", Fault.lastContact(Duration.ofMinutes(2)));
        sim.faults().inject("/v1/catalog/", Fault.index(1));
        sim.faults().inject("/v1/catalog/", Fault.headers(Map.of("x-consul-effective-consistency", "stale")));
        ConsulHttp.Response r = http.get("/v1/catalog/services").requireOk();
        assertThat(index).isGreaterThan(1);
        assertThat(r.headers().allValues("X-Consul-KnownLeader")).containsExactly("false");
        assertThat(r.headers().allValues("X-Consul-LastContact")).containsExactly("120000");
        assertThat(r.headers().allValues("X-Consul-Index")).containsExactly("1");
        assertThat(r.headers().allValues("X-Consul-Effective-Consistency")).containsExactly("stale");
        assertThat(r.json().has("web")).isTrue(); // the data is the real one
    }

    @Test
    void anErrorAnswerWinsOverOtherRulesAndADelayAddsToHeaderOverrides() {
        sim.faults().on("/v1/catalog/").once().inject(Fault.status(500, "first"));
        sim.faults().inject("/v1/catalog/", Fault.delay(Duration.ofMillis(300)));
        sim.faults().inject("/v1/catalog/", Fault.knownLeader(false));
        long start = System.nanoTime();
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(500);
        ConsulHttp.Response r = http.get("/v1/catalog/services").requireOk();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(r.header("X-Consul-KnownLeader")).isEqualTo("false");
    }

    @Test
    void aRuleAddedWhileABlockingQueryWaitsChangesItsAnswer() throws Exception {
        long index = http.get("/v1/catalog/services").requireOk().index();
        var poll = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> http.get("/v1/catalog/services?index=" + index + "&wait=20s"));
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.activeConnections("127.0.0.1") == 1);
        FaultRule rule = sim.faults().inject("/v1/catalog/", Fault.status(500, "broken while you waited"));
        sim.registerService("node-1", ServiceDefinition.of("api-1", "api", "127.0.0.1", 9090)); // wakes the query
        ConsulHttp.Response r = poll.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("broken while you waited");
        assertThat(rule.hits()).isEqualTo(1);
    }

    @Test
    void rulesSurviveARestartOfTheSimulator() {
        sim.faults().inject("/v1/catalog/", Fault.status(500, "still broken"));
        sim.stop();
        sim.start();
        assertThat(http.get("/v1/catalog/services").status()).isEqualTo(500);
    }

    @Test
    void scopesAreCheckedWhenBuilt() {
        assertThatThrownBy(() -> sim.faults().on("v1/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sim.faults().on("/v1/").times(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fault.status(42, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fault.index(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
