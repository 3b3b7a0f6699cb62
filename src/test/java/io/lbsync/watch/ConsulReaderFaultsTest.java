package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import io.lbsync.config.ConsulSettings;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.Fault;
import io.lbsync.consulsim.FaultRule;
import io.lbsync.consulsim.ServiceDefinition;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link ConsulReader} makes of Consul's faults (injected into the simulator): refused, and of which kind. */
class ConsulReaderFaultsTest {
    private ConsulSimulator sim;
    private ConsulClientFactory factory;
    private ConsulReader reader;

    @BeforeEach
    void start() {
        sim = ConsulSimulator.builder().build().start();
        sim.registerService("node-1", ServiceDefinition.of("web-1", "web", "127.0.0.1", 8080));
        factory = ConsulClientFactory.create(new ConsulSettings(java.util.List.of(URI.create(sim.url())), io.lbsync.config.ConsulToken.fixed(Optional.empty()), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(10)));
        reader = new ConsulReader(factory);
    }

    @AfterEach
    void stop() {
        factory.close();
        sim.close();
    }

    private static ConsulErrorKind kindOf(Supplier<?> read) {
        RuntimeException e = catchRuntimeException(read::get);
        assertThat(e).as("the read must fail").isNotNull();
        return ConsulErrorKind.of(e);
    }

    @Test
    void aStaleAnswerIsReadAgainFromTheLeader() {
        FaultRule staleReads = sim.faults().on("/v1/").withQueryParam("stale").inject(Fault.lastContact(Duration.ofSeconds(30)));
        assertThat(reader.services(0, null).data()).containsKey("web");
        assertThat(reader.service("web").instances()).hasSize(1);
        // the large answers, parsed as they arrive, too
        assertThat(reader.listing().registrations()).containsKey("web");
        assertThat(reader.summaries(java.util.Set.of()).services()).containsKey("web");
        assertThat(staleReads.hits()).isEqualTo(4);
    }

    @Test
    void anAnswerStillStaleFromTheLeaderIsRefused() {
        sim.faults().inject("/v1/", Fault.lastContact(Duration.ofSeconds(30)));
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.STALE);
        assertThat(kindOf(() -> reader.checks(0, null))).isEqualTo(ConsulErrorKind.STALE);
        assertThat(kindOf(() -> reader.service("web"))).isEqualTo(ConsulErrorKind.STALE);
        assertThat(kindOf(() -> reader.kv("lbsync/", 0, null))).isEqualTo(ConsulErrorKind.STALE);
        assertThat(kindOf(reader::listing)).isEqualTo(ConsulErrorKind.STALE);
        assertThat(kindOf(() -> reader.summaries(java.util.Set.of()))).isEqualTo(ConsulErrorKind.STALE);
    }

    @Test
    void staleWithinMaxStaleIsAccepted() {
        sim.faults().inject("/v1/", Fault.lastContact(Duration.ofSeconds(9)));
        assertThat(reader.services(0, null).data()).containsKey("web");
    }

    @Test
    void anAnswerWithoutKnownLeaderIsRefused() {
        sim.faults().inject("/v1/", Fault.knownLeader(false));
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.NO_LEADER);
        assertThat(kindOf(() -> reader.kv("lbsync/", 0, null))).isEqualTo(ConsulErrorKind.NO_LEADER);
        assertThat(kindOf(() -> reader.summaries(java.util.Set.of()))).isEqualTo(ConsulErrorKind.NO_LEADER);
    }

    @Test
    void malformedTruncatedOrNullBodiesAreBadResponsesNeverEmptyData() {
        FaultRule garbage = sim.faults().inject("/v1/", Fault.body("<html><body>Bad Gateway</body></html>"));
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.service("web"))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(reader::listing)).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.summaries(java.util.Set.of()))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        garbage.remove();

        FaultRule truncated = sim.faults().inject("/v1/", Fault.truncatedBody());
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.checks(0, null))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.service("web"))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(reader::listing)).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.summaries(java.util.Set.of()))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        truncated.remove();

        sim.faults().inject("/v1/", Fault.body("null"));
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.checks(0, null))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
        assertThat(kindOf(() -> reader.service("web"))).isEqualTo(ConsulErrorKind.BAD_RESPONSE);
    }

    @Test
    void errorStatusesByKind() {
        sim.faults().on("/v1/").once().inject(Fault.noClusterLeader());
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.HTTP_5XX);
        sim.faults().on("/v1/").once().inject(Fault.status(503, "Service Unavailable"));
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.HTTP_5XX);
        sim.faults().on("/v1/").once().inject(Fault.tooManyConnections());
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.HTTP_429);
        sim.faults().on("/v1/").once().inject(Fault.status(403, "Permission denied"));
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.HTTP_4XX);
        sim.faults().on("/v1/").once().inject(Fault.status(503, "Service Unavailable"));
        assertThat(kindOf(reader::listing)).isEqualTo(ConsulErrorKind.HTTP_5XX);
        sim.faults().on("/v1/").once().inject(Fault.status(403, "Permission denied"));
        assertThat(kindOf(() -> reader.summaries(java.util.Set.of()))).isEqualTo(ConsulErrorKind.HTTP_4XX);
        assertThat(reader.services(0, null).data()).containsKey("web");
    }

    @Test
    void droppedAndRefusedConnectionsAreConnectionErrors() {
        sim.faults().inject("/v1/", Fault.dropConnection());
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.CONNECTION);
        assertThat(kindOf(reader::listing)).isEqualTo(ConsulErrorKind.CONNECTION);
        sim.faults().clear();
        sim.stop();
        assertThat(kindOf(() -> reader.services(0, null))).isEqualTo(ConsulErrorKind.CONNECTION);
        sim.start();
        assertThat(reader.services(0, null).data()).containsKey("web");
    }

    @Test
    void aBlockingReadGetsTheConfiguredSlackNotJustTheClientLibrarysTwoSeconds() {
        // wait=1s: lbsync's read timeout is 1s × 17/16 + 5s; the client library alone would give 1s × 17/16 + 2s
        long index = reader.services(0, null).index();
        sim.faults().inject("/v1/catalog/services", Fault.delay(Duration.ofMillis(3500)));
        long start = System.nanoTime();
        assertThat(reader.services(index, Duration.ofSeconds(1)).data()).containsKey("web");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(4400));
    }

    @Test
    void anIndexGoingBackwardsIsPassedOnAsConsulSentIt() {
        long index = reader.services(0, null).index();
        sim.faults().inject("/v1/", Fault.index(1));
        assertThat(index).isGreaterThan(1);
        // the reader reports what it got; the blocking loop decides (IndexTracker)
        assertThat(reader.services(0, null).index()).isEqualTo(1);
    }
}
