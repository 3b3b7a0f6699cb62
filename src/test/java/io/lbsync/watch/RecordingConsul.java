package io.lbsync.watch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * A scripted stand-in for Consul that records every request line and token header, to check what lbsync
 * sends on the wire (token placement, index and wait parameters). Behaviour is covered by the simulator tests.
 */
final class RecordingConsul implements AutoCloseable {
    record Request(String uri, String tokenHeader) {
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final String scheme;

    RecordingConsul(LongSupplier servicesIndex) throws IOException {
        this(servicesIndex, null);
    }

    /** @param tls null for plain http, else the server's TLS context (https) */
    RecordingConsul(LongSupplier servicesIndex, javax.net.ssl.SSLContext tls) throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            server = HttpServer.create(address, 0);
        } else {
            var https = com.sun.net.httpserver.HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        }
        scheme = tls == null ? "http" : "https";
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/catalog/services", ex -> answer(ex, servicesIndex.getAsLong(), "{\"web\":[]}"));
        server.createContext("/v1/health/state/any", ex -> answer(ex, 3, "[]"));
        server.createContext("/v1/health/service/web", ex -> answer(ex, 3, "[]"));
        server.start();
    }

    String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    List<String> indexParams(String path) {
        return requests.stream().filter(r -> r.uri().startsWith(path)).map(r -> param(r.uri(), "index")).toList();
    }

    static String param(String uri, String name) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return "";
        }
        for (String kv : uri.substring(q + 1).split("&")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        return "";
    }

    private void answer(HttpExchange ex, long index, String body) throws IOException {
        requests.add(new Request(ex.getRequestURI().toString(), ex.getRequestHeaders().getFirst("X-Consul-Token")));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().putAll(Map.of("X-Consul-Index", List.of(Long.toString(index)),
                "X-Consul-KnownLeader", List.of("true"), "X-Consul-LastContact", List.of("0"),
                "Content-Type", List.of("application/json")));
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
