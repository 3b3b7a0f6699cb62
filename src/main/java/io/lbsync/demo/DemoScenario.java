package io.lbsync.demo;

import io.lbsync.consulsim.ConsulSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --demo: a Consul simulator with three agents and two services that change every few seconds, so a newcomer
 * sees lbsync follow Consul without installing anything. It talks to the simulator over HTTP, like any client.
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

    private DemoScenario(ConsulSimulator consul) {
        this.consul = consul;
    }

    public static DemoScenario start() {
        ConsulSimulator sim = ConsulSimulator.builder().agents("node-1", "node-2", "node-3")
                .antiEntropyInterval(Duration.ofSeconds(30)).build().start();
        DemoScenario demo = new DemoScenario(sim);
        for (int i = 1; i <= 3; i++) {
            demo.register("node-" + i, "web-" + i, "web", 9100 + i, "\"Tags\": [\"lbsync.host=web.demo.local\"]");
        }
        for (int i = 1; i <= 2; i++) {
            demo.register("node-" + i, "api-" + i, "api", 9200 + i, "\"Meta\": {\"lbsync-host\": \"api.demo.local\"}");
        }
        demo.putSite("{\"server_names\": [\"demo.local\"], \"listen\": 8081, \"routes\": {\"/\": \"web\", \"/api/\": \"api\"}}");
        demo.ticker.scheduleWithFixedDelay(demo::tick, 5, 5, TimeUnit.SECONDS);
        LOG.info("event=demo-started consul={} services=\"web x3, api x2\" kv=lbsync/sites/demo changes_every=5s", sim.url());
        return demo;
    }

    public String consulUrl() {
        return consul.url();
    }

    /** Alternates: web-2 fails its check / recovers, api-3 comes / goes, the K/V site gains / loses a route. */
    private void tick() {
        try {
            switch (step.getAndIncrement() % 6) {
                case 0 -> put("node-2", "/v1/agent/check/fail/service:web-2?note=demo", "", "web-2 check critical");
                case 1 -> register("node-3", "api-3", "api", 9203, "\"Meta\": {\"lbsync-host\": \"api.demo.local\"}");
                case 2 -> putSite("{\"server_names\": [\"demo.local\"], \"listen\": 8081, "
                        + "\"routes\": {\"/\": \"web\", \"/api/\": \"api\", \"/v2/\": \"api\"}}");
                case 3 -> put("node-2", "/v1/agent/check/pass/service:web-2?note=demo", "", "web-2 check passing");
                case 4 -> put("node-3", "/v1/agent/service/deregister/api-3", "", "api-3 deregistered");
                default -> putSite("{\"server_names\": [\"demo.local\"], \"listen\": 8081, "
                        + "\"routes\": {\"/\": \"web\", \"/api/\": \"api\"}}");
            }
        } catch (RuntimeException e) {
            LOG.warn("event=demo-step-failed error=\"{}\"", e.getMessage());
        }
    }

    private void putSite(String json) {
        put("node-1", "/v1/kv/lbsync/sites/demo", json, "K/V lbsync/sites/demo = " + json);
    }

    private void register(String node, String id, String name, int port, String extra) {
        String body = "{\"ID\": \"" + id + "\", \"Name\": \"" + name + "\", \"Address\": \"127.0.0.1\", \"Port\": " + port
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

    @Override
    public void close() {
        ticker.shutdownNow();
        consul.close();
    }
}
