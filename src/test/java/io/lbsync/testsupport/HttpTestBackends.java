package io.lbsync.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * HTTP servers on loopback that answer every request with their own name, and a client that sends requests with
 * a given Host header through a proxy and reports which servers answered.
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

    @Override
    public void close() {
        servers.values().forEach(s -> s.stop(0));
        executors.forEach(ExecutorService::shutdownNow);
    }

    public record Reply(int status, String body) {
        /** The backend's name for a 200, else "status:body". */
        public String label() {
            return status == 200 ? body : status + ":" + body;
        }
    }

    /** One request on a new connection (Connection: close) to 127.0.0.1:port with the given Host header. */
    public static Reply request(int port, String host) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: lbsync-it\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
                throw new IOException("not an HTTP response: '" + text + "'");
            }
            int sep = text.indexOf("\r\n\r\n");
            return new Reply(Integer.parseInt(text.substring(9, 12)), sep < 0 ? "" : text.substring(sep + 4));
        }
    }

    /** Who answered {@code count} requests (see {@link Reply#label()}). */
    public static Set<String> servedBy(int port, String host, int count) throws IOException {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            seen.add(request(port, host).label());
        }
        return seen;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
