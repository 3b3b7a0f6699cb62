package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.config.ConsulSettings;
import io.lbsync.config.Settings;
import io.lbsync.consul.ConsulAgentSwitchedException;
import io.lbsync.consul.ConsulAgents;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.consul.ConsulUnreachableException;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.ServiceDefinition;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ServiceInstance;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * lbsync.consul.url with two agents of one (simulated) cluster: the watch moves to the second agent when the first stops,
 * never hands on an empty or partial snapshot on the way, follows changes there, and goes back to the first agent when
 * it answers again. The same on real Consul: ConsulAgentFailoverIT.
 */
class ConsulAgentFailoverTest {
    private ConsulSimulator sim;
    private ConsulClientFactory factory;
    private CamelContext camel;
    private final List<CatalogSnapshot> handedOn = new CopyOnWriteArrayList<>();
    private final WatchHealth health = new WatchHealth();

    @BeforeEach
    void cluster() {
        sim = ConsulSimulator.builder().agents("node-1", "node-2").build().start();
        Map<String, String> p = Map.of("lbsync.consul.url", sim.agentUrl("node-1") + "," + sim.agentUrl("node-2"),
                "lbsync.consul.wait", "10s");
        factory = ConsulClientFactory.create(ConsulSettings.from(new Settings(name -> Optional.ofNullable(p.get(name)))));
    }

    @AfterEach
    void stop() throws Exception {
        if (camel != null) {
            camel.stop();
        }
        factory.close();
        sim.close();
    }

    private void watch() throws Exception {
        camel = new DefaultCamelContext();
        camel.getRegistry().bind("consulClients", factory);
        camel.getRegistry().bind("watchHealth", health);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("consul-watch:catalog?minInterval=20ms&backoffInitial=100ms&backoffMax=500ms")
                        .process(e -> handedOn.add(e.getMessage().getBody(CatalogSnapshot.class)));
            }
        });
        camel.start();
    }

    private void register(String id, int port) {
        sim.registerService("node-2", ServiceDefinition.of(id, "web", "127.0.0.1", port));
        sim.runAntiEntropyNow();
    }

    private static Set<String> ids(CatalogSnapshot s) {
        return s.services().values().stream().flatMap(i -> i.instances().stream()).map(ServiceInstance::id).collect(Collectors.toSet());
    }

    private boolean lastHas(String... ids) {
        return !handedOn.isEmpty() && ids(handedOn.get(handedOn.size() - 1)).containsAll(List.of(ids));
    }

    @Test
    void theWatchFollowsTheSecondAgentWhileTheFirstIsDownAndGoesBackWithoutAnEmptySnapshot() throws Exception {
        ConsulAgents agents = factory.agents();
        register("web-1", 8081);
        watch();
        await().atMost(Duration.ofSeconds(10)).until(() -> lastHas("web-1"));
        assertThat(agents.current()).isEqualTo(URI.create(sim.agentUrl("node-1")));

        sim.stopAgent("node-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> agents.currentIndex() == 1);
        register("web-2", 8082);
        await().atMost(Duration.ofSeconds(10)).until(() -> lastHas("web-1", "web-2"));

        sim.startAgent("node-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> agents.currentIndex() == 0);
        register("web-3", 8083);
        await().atMost(Duration.ofSeconds(10)).until(() -> lastHas("web-1", "web-2", "web-3"));

        assertThat(agents.switches()).isEqualTo(2);
        // only instances were added: every snapshot holds all of the one before (never empty, never partial)
        for (int i = 1; i < handedOn.size(); i++) {
            assertThat(ids(handedOn.get(i))).containsAll(ids(handedOn.get(i - 1)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> health.states().values().stream().allMatch(s -> s.consecutiveFailures() == 0));
    }

    @Test
    void aLongPollOnTheSecondAgentIsCancelledWhenLbsyncGoesBackToTheFirst() throws Exception {
        ConsulAgents agents = factory.agents();
        ConsulClient client = factory.client();
        sim.stopAgent("node-1");
        try {
            client.get("/v1/catalog/services");
        } catch (ConsulUnreachableException e) {
            // the call that found node-1 down: lbsync switched
        }
        assertThat(agents.currentIndex()).isEqualTo(1);
        long index = client.get("/v1/catalog/services").index();
        // an explicit agent is asked as it is: no switch when it does not answer
        try {
            client.get(URI.create(sim.agentUrl("node-1")), "/v1/status/leader");
        } catch (ConsulUnreachableException expected) {
            assertThat(agents.currentIndex()).isEqualTo(1);
        }

        CompletableFuture<Throwable> longPoll = CompletableFuture.supplyAsync(() -> {
            try {
                client.blockingGet("/v1/catalog/services", index, Duration.ofSeconds(30));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        Thread.sleep(200);
        long started = System.nanoTime();
        sim.startAgent("node-1");
        Throwable ended = longPoll.get(ConsulAgents.PROBE_INTERVAL.toSeconds() + 10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(ended).isInstanceOf(ConsulAgentSwitchedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ConsulAgents.PROBE_INTERVAL.plusSeconds(3));
        assertThat(agents.currentIndex()).isZero();
    }
}
