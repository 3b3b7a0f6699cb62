package io.lbsync.demo;

import io.lbsync.consulsim.ConsulSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --demo: a Consul simulator with three agents and two services that change every few seconds, so a newcomer
 * sees lbsync follow Consul without installing anything. It talks to the simulator over HTTP, like any client.
 * Instances are registered with the ports of the demo's backends ({@link DemoBackends}), the K/V site with the port
 * the demo's nginx serves it on.
 */
public final class DemoScenario implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoScenario.class);
    private final ConsulSimulator consul;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lbsync-demo");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger step = new AtomicInteger();
    private final ToIntFunction<String> ports;
    private final int sitePort;

    private DemoScenario(ConsulSimulator consul, ToIntFunction<String> ports, int sitePort) {
        this.consul = consul;
        this.ports = ports;
        this.sitePort = sitePort;
    }

    /** Every instance the scenario ever registers: web-1..3 always, api-1..2 always, api-3 now and then. */
    public static final List<String> INSTANCES = List.of("web-1", "web-2", "web-3", "api-1", "api-2", "api-3");

    /**
     * Starts the simulator and registers the initial state; nothing changes until {@link #startChanges}.
     * @param ports the port each instance is registered with
     * @param sitePort the K/V site's listen port
     */
    public static DemoScenario start(ToIntFunction<String> ports, int sitePort) {
        ConsulSimulator sim = ConsulSimulator.builder().agents("node-1", "node-2", "node-3")
                .antiEntropyInterval(Duration.ofSeconds(30)).build().start();
        DemoScenario demo = new DemoScenario(sim, ports, sitePort);
        for (int i = 1; i <= 3; i++) {
            demo.register("node-" + i, "web-" + i, "web", "\"Tags\": [\"lbsync.host=web.demo.local\"]");
        }
        for (int i = 1; i <= 2; i++) {
            demo.register("node-" + i, "api-" + i, "api", "\"Meta\": {\"lbsync-host\": \"api.demo.local\"}");
        }
        demo.putSite(false);
        LOG.info("event=demo-started consul={} services=\"web x3, api x2\" kv=lbsync/sites/demo", sim.url());
        return demo;
    }

    /** From now on, one change every {@code interval}. */
    public void startChanges(Duration interval) {
        long ms = interval.toMillis();
        ticker.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
        LOG.info("event=demo-changes-started changes_every={}", interval);
    }

    public String consulUrl() {
        return consul.url();
    }

    /** Alternates: web-2 fails its check / recovers, api-3 comes / goes, the K/V site gains / loses a route. */
    private void tick() {
        try {
            switch (step.getAndIncrement() % 6) {
                case 0 -> put("node-2", "/v1/agent/check/fail/service:web-2?note=demo", "", "web-2 check critical");
                case 1 -> register("node-3", "api-3", "api", "\"Meta\": {\"lbsync-host\": \"api.demo.local\"}");
                case 2 -> putSite(true);
                case 3 -> put("node-2", "/v1/agent/check/pass/service:web-2?note=demo", "", "web-2 check passing");
                case 4 -> put("node-3", "/v1/agent/service/deregister/api-3", "", "api-3 deregistered");
                default -> putSite(false);
            }
        } catch (RuntimeException e) {
            if (ticker.isShutdown()) {
                return; // stopping: a change cut short is no fault
            }
            LOG.warn("event=demo-step-failed error=\"{}\"", e.getMessage());
        }
    }

    /** The K/V site: / to web, /api/ to api, and with {@code v2} also /v2/ to api. */
    private void putSite(boolean v2) {
        String json = "{\"server_names\": [\"demo.local\"], \"listen\": " + sitePort + ", \"routes\": {\"/\": \"web\", "
                + "\"/api/\": \"api\"" + (v2 ? ", \"/v2/\": \"api\"" : "") + "}}";
        put("node-1", "/v1/kv/lbsync/sites/demo", json, "K/V lbsync/sites/demo = " + json);
    }

    private void register(String node, String id, String name, String extra) {
        String body = "{\"ID\": \"" + id + "\", \"Name\": \"" + name + "\", \"Address\": \"127.0.0.1\", \"Port\": " + ports.applyAsInt(id)
                + ", " + extra + ", \"Check\": {\"CheckID\": \"service:" + id + "\", \"TTL\": \"1h\", \"Status\": \"passing\"}}";
        put(node, "/v1/agent/service/register", body, id + " registered on " + node);
    }

    private void put(String node, String path, String body, String what) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(consul.agentUrl(node) + path))
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(what + ": HTTP " + r.statusCode() + " " + r.body());
            }
            LOG.info("event=demo-change change=\"{}\"", what);
        } catch (IOException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }

    /** Stops the changes (the simulator keeps answering). */
    public void stopChanges() {
        ticker.shutdown();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        consul.close();
    }
}
