package io.lbsync.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * HTTP servers on loopback that answer every request with their own name (send requests through a proxy with
 * {@link RawHttp}); a request for /slow/&lt;ms&gt; is answered after that many milliseconds (a request in flight).
 */
public final class HttpTestBackends implements AutoCloseable {
    private final Map<String, HttpServer> servers = new LinkedHashMap<>();
    private final List<ExecutorService> executors = new ArrayList<>();

    public static HttpTestBackends start(String... names) throws IOException {
        HttpTestBackends b = new HttpTestBackends();
        for (String name : names) {
            byte[] body = name.getBytes(StandardCharsets.US_ASCII);
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getPath();
                if (path.startsWith("/slow/")) {
                    try {
                        Thread.sleep(Long.parseLong(path.substring("/slow/".length())));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "backend-" + name);
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            b.executors.add(executor);
            server.start();
            b.servers.put(name, server);
        }
        return b;
    }

    public int port(String name) {
        return servers.get(name).getAddress().getPort();
    }

    /** The ports of all the servers. */
    public List<Integer> ports() {
        return servers.values().stream().map(s -> s.getAddress().getPort()).toList();
    }

    @Override
    public void close() {
        servers.values().forEach(s -> s.stop(0));
        executors.forEach(ExecutorService::shutdownNow);
    }
}
