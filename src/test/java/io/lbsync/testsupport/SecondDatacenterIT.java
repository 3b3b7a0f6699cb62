package io.lbsync.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The test harness's second datacenter ({@link SecondDatacenter}) on real Consul: dc2 federated over WAN with the local
 * cluster (dc1), a service of dc2 read through a dc1 agent, and what dc1 answers for dc2 while dc2's server is paused
 * (SIGSTOP) or stopped — printed with status, body and latency, as the multi-datacenter feature has to handle them.
 * Skipped on the simulator and on an external cluster.
 */
class SecondDatacenterIT {
    /** Longer than the hang a read of a paused datacenter shows (about 40 s on Consul 1.9). */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(90);
    /** How long the paused test keeps reading, waiting for Consul to find dc2's server failed (about 2 min). */
    private static final Duration FAILURE_DETECTION_LIMIT = Duration.ofSeconds(200);
    /** What "at once" means for a read Consul answers from dc1 alone. */
    private static final Duration AT_ONCE = Duration.ofSeconds(1);

    private ConsulTestCluster cluster;
    private ConsulTestCluster.Datacenter dc2;
    private final String service = ConsulTestCluster.unique("dc2-web");

    /** One read: status (-1: no answer within the client's timeout), body and how long it took. */
    private record Answer(int status, String body, Duration took) {
        @Override
        public String toString() {
            String text = body.strip();
            return (status < 0 ? "no answer" : "HTTP " + status) + " after " + took.toMillis() + " ms: "
                    + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
        }
    }

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.startWithSecondDatacenter("node-1");
        dc2 = cluster.secondDatacenter();
        String id = service + "-1";
        dc2.http().registerService(dc2.node(), "{\"ID\":" + ConsulHttp.quote(id) + ",\"Name\":" + ConsulHttp.quote(service)
                + ",\"Port\":8080,\"Check\":{\"TTL\":\"10m\"}}").requireOk();
        dc2.http().passCheck(dc2.node(), "service:" + id, "up").requireOk();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close(); // dc2 running and federated again, the service deregistered
        }
    }

    @Test
    void dc1ListsBothDatacentersAndReadsAServiceOfDc2() {
        JsonNode datacenters = cluster.http().get("/v1/catalog/datacenters").requireOk().json();
        assertThat(datacenters).extracting(JsonNode::asText).contains("dc1", "dc2");

        JsonNode entries = await().atMost(Duration.ofSeconds(10)).until(() -> readDc2().json(), e -> e.size() == 1
                && e.get(0).path("Checks").findValuesAsText("Status").stream().allMatch("passing"::equals));
        assertThat(entries.get(0).path("Node").path("Datacenter").asText()).isEqualTo("dc2");
        assertThat(entries.get(0).path("Node").path("Node").asText()).isEqualTo(dc2.node());
        assertThat(entries.get(0).path("Service").path("Port").asInt()).isEqualTo(8080);
        // dc1's own catalog does not have it
        assertThat(cluster.http().get("/v1/health/service/" + service).requireOk().json()).isEmpty();
    }

    @Test
    void aPausedDc2HangsDc1sReadsOfItUntilGossipFindsItFailedWhileDc1ReadsAnswerAtOnce() throws Exception {
        awaitServiceInDc2();
        long pausedAt = System.nanoTime();
        cluster.pauseSecondDatacenter();
        List<String> timeline = new ArrayList<>();
        try {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> read(dc2Path()));
            Pause.millis(500);
            Answer local = read("/v1/health/service/" + service);
            assertStillPaused();
            assertThat(first).isNotDone();
            Answer dc2Read = first.get();
            assertStillPaused();
            timeline.add("+0 s: " + dc2Read);
            System.out.println("[SecondDatacenterIT] dc2 paused, a dc1 read of dc2: " + dc2Read);
            System.out.println("[SecondDatacenterIT] dc2 paused, a dc1 read of dc1 meanwhile: " + local);
            assertThat(dc2Read.status()).isNotEqualTo(200);
            assertThat(local.status()).isEqualTo(200);
            assertThat(local.took()).isLessThan(AT_ONCE);

            // each read hangs until Consul gives up on the connection; once WAN gossip finds dc2's server failed, at once
            Answer last = dc2Read;
            while (last.took().compareTo(AT_ONCE) >= 0 && System.nanoTime() - pausedAt < FAILURE_DETECTION_LIMIT.toNanos()) {
                long at = System.nanoTime() - pausedAt;
                last = read(dc2Path());
                timeline.add("+" + Duration.ofNanos(at).toSeconds() + " s: " + last);
                assertThat(last.status()).isNotEqualTo(200);
            }
            System.out.println("[SecondDatacenterIT] dc2 paused, dc1 reads of dc2 (time since SIGSTOP: answer):\n  "
                    + String.join("\n  ", timeline));
            System.out.println("[SecondDatacenterIT] dc2 paused, dc1 lists datacenters: " + read("/v1/catalog/datacenters"));
        } finally {
            cluster.resumeSecondDatacenter();
        }
        Answer resumed = read(dc2Path());
        System.out.println("[SecondDatacenterIT] dc2 resumed (SIGCONT) and federated again, a dc1 read of dc2: " + resumed);
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.body()).contains(service);
    }

    @Test
    void aStoppedDc2FailsDc1sReadsOfItAtOnceAndAnswersAgainWhenStarted() {
        awaitServiceInDc2();
        cluster.stopSecondDatacenter();
        try {
            Answer dc2Read = read(dc2Path());
            Answer local = read("/v1/health/service/" + service);
            System.out.println("[SecondDatacenterIT] dc2 stopped, a dc1 read of dc2: " + dc2Read);
            System.out.println("[SecondDatacenterIT] dc2 stopped, a dc1 read of dc1: " + local);
            System.out.println("[SecondDatacenterIT] dc2 stopped, dc1 lists datacenters: " + read("/v1/catalog/datacenters"));
            assertThat(dc2Read.status()).isEqualTo(500);
            assertThat(local.status()).isEqualTo(200);
            assertThat(local.took()).isLessThan(AT_ONCE);
        } finally {
            cluster.startSecondDatacenter();
        }
        Answer started = read(dc2Path());
        System.out.println("[SecondDatacenterIT] dc2 started again, a dc1 read of dc2: " + started);
        assertThat(started.status()).isEqualTo(200);
        assertThat(started.body()).contains(service); // dc2's agent kept its registration
    }

    private void assertStillPaused() {
        assertThat(cluster.local().secondDatacenter().paused())
                .as("dc2's server is no longer stopped (SIGSTOP): something outside this test resumed it").isTrue();
    }

    private void awaitServiceInDc2() {
        await().atMost(Duration.ofSeconds(10)).until(() -> readDc2().json().size() == 1);
    }

    private ConsulHttp.Response readDc2() {
        return cluster.http().get(dc2Path()).requireOk();
    }

    private String dc2Path() {
        return "/v1/health/service/" + service + "?dc=" + dc2.name();
    }

    /** A read through dc1's local agent, timed; a client timeout is an answer too. */
    private Answer read(String path) {
        long t0 = System.nanoTime();
        try {
            ConsulHttp.Response r = cluster.http().get(path, READ_TIMEOUT);
            return new Answer(r.status(), r.body(), Duration.ofNanos(System.nanoTime() - t0));
        } catch (UncheckedIOException e) {
            return new Answer(-1, e.getCause().toString(), Duration.ofNanos(System.nanoTime() - t0));
        }
    }
}
