package io.lbsync.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's service instances: one small HTTP server per instance on 127.0.0.1, answering every request with its
 * instance name ("web-2"), so a curl through HAProxy or nginx shows which instance served it. Each takes its nominal
 * port (web-1 9101, api-1 9201, ...) when free, else any free port; the scenario registers the real one in Consul.
 */
public final class DemoBackends implements AutoCloseable {
    private final Map<String, HttpServer> servers = new LinkedHashMap<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "lbsync-demo-backend");
        t.setDaemon(true);
        return t;
    });

    private DemoBackends() {
    }

    /** The port an instance is registered with when no backend runs (--demo --once / --dry): 9101.., 9201... */
    public static int nominalPort(String instance) {
        int dash = instance.lastIndexOf('-');
        int base = instance.startsWith("web") ? 9100 : 9200;
        return base + Integer.parseInt(instance.substring(dash + 1));
    }

    /** Starts one server per instance name. */
    public static DemoBackends start(Iterable<String> instances) throws IOException {
        DemoBackends b = new DemoBackends();
        try {
            for (String name : instances) {
                b.servers.put(name, b.serve(name));
            }
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private HttpServer serve(String name) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", nominalPort(name)), 64);
        } catch (BindException taken) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        }
        byte[] body = (name + "\n").getBytes(StandardCharsets.US_ASCII);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.setExecutor(executor);
        server.start();
        return server;
    }

    /** The port instance {@code name} listens on. */
    public int port(String name) {
        return servers.get(name).getAddress().getPort();
    }

    @Override
    public void close() {
        servers.values().forEach(s -> s.stop(0));
        executor.shutdownNow();
    }
}
