package io.lbsync.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A plain TCP proxy in front of one Consul agent's HTTP port, one per tool under test, that counts what passes:
 * HTTP requests (request lines parsed on the client→agent stream; bodies of Content-Length and chunked requests
 * skipped), and the tool's TCP connections (open now, peak, total accepted). Each accepted connection gets its own
 * upstream connection (1:1, nothing pooled or multiplexed), made from one of {@code upstreamSources} in turn: the agent
 * applies its per-client-IP connection limit ({@code http_max_conns_per_client}, 200 by default) to each source address,
 * so one address per tool makes the agent see each tool as its own host, and several addresses per tool lift the limit
 * for that tool (as raising the agent's limit would). Bytes are copied unchanged in both directions.
 */
final class CountingProxy implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<InetAddress> upstreamSources;
    private final AtomicInteger nextSource = new AtomicInteger();
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder upstreamFailures = new LongAdder();
    private final Map<String, LongAdder> byEndpoint = new ConcurrentHashMap<>();
    /** The wait= values of its blocking queries (a few distinct ones at most). */
    private final Set<String> waits = ConcurrentHashMap.newKeySet();
    /** nanoTime of the first request, 0 before it. */
    private final AtomicLong firstRequestNanos = new AtomicLong();
    private volatile boolean running = true;

    CountingProxy(String name, InetSocketAddress upstream, List<InetAddress> upstreamSources) throws IOException {
        this.name = name;
        this.upstream = upstream;
        this.upstreamSources = List.copyOf(upstreamSources);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
        this.acceptor = new Thread(this::acceptLoop, "proxy-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** "127.0.0.1:port": what the tool is told its Consul is. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    long requests() {
        return requests.get();
    }

    int openConnections() {
        return open.get();
    }

    /** Peak of open connections since the last {@link #resetPeak}. */
    int peakConnections() {
        return peak.get();
    }

    void resetPeak() {
        peak.set(open.get());
    }

    long acceptedConnections() {
        return accepted.sum();
    }

    long upstreamFailures() {
        return upstreamFailures.sum();
    }

    /** The distinct wait= parameters of the blocking queries seen ("none" when there was none, "default" without wait=). */
    String waits() {
        return waits.isEmpty() ? "none" : String.join(",", new java.util.TreeSet<>(waits));
    }

    long firstRequestNanos() {
        return firstRequestNanos.get();
    }

    /** Requests by "METHOD /v1/a/b" (first three path segments; " ?index" for blocking queries), sorted. */
    Map<String, Long> byEndpoint() {
        Map<String, Long> m = new TreeMap<>();
        byEndpoint.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    private void acceptLoop() {
        while (running) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (running) {
                    System.err.println("[proxy " + name + "] accept failed: " + e);
                }
                return;
            }
            accepted.increment();
            peak.accumulateAndGet(open.incrementAndGet(), Math::max);
            Socket up = new Socket();
            try {
                client.setTcpNoDelay(true);
                up.setTcpNoDelay(true);
                up.bind(new InetSocketAddress(upstreamSources.get(Math.floorMod(nextSource.getAndIncrement(), upstreamSources.size())), 0));
                up.connect(upstream, 5_000);
            } catch (IOException e) {
                upstreamFailures.increment();
                closeQuietly(client);
                closeQuietly(up);
                open.decrementAndGet();
                continue;
            }
            sockets.add(client);
            sockets.add(up);
            AtomicInteger ends = new AtomicInteger();
            Runnable finish = () -> {
                closeQuietly(client);
                closeQuietly(up);
                sockets.remove(client);
                sockets.remove(up);
                if (ends.incrementAndGet() == 2) {
                    open.decrementAndGet();
                }
            };
            RequestCounter counter = new RequestCounter();
            start("proxy-" + name + "-up", () -> pump(client, up, counter, finish));
            start("proxy-" + name + "-down", () -> pump(up, client, null, finish));
        }
    }

    private static void start(String threadName, Runnable r) {
        Thread t = new Thread(null, r, threadName, 256 * 1024);
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to, RequestCounter counter, Runnable finish) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (counter != null) {
                    counter.feed(buf, n);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side closed or reset: end both directions
        } finally {
            finish.run();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        running = false;
        closeQuietly2(server);
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly2(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Parses the client→agent byte stream of one connection into HTTP/1.x requests (pipelining allowed). */
    private final class RequestCounter {
        private static final int HEAD = 0;
        private static final int BODY = 1;
        private static final int CHUNK_LINE = 2;
        private static final int CHUNK_DATA = 3;
        private static final int TRAILER = 4;
        private static final int MAX_LINE = 64 * 1024;

        private int state = HEAD;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder head = new StringBuilder();
        private long remaining;

        void feed(byte[] buf, int len) {
            int i = 0;
            while (i < len) {
                switch (state) {
                    case BODY, CHUNK_DATA -> {
                        int skip = (int) Math.min(remaining, len - i);
                        i += skip;
                        remaining -= skip;
                        if (remaining == 0) {
                            state = state == BODY ? HEAD : CHUNK_LINE;
                        }
                    }
                    default -> {
                        byte b = buf[i++];
                        if (b != '\n') {
                            if (line.size() < MAX_LINE) {
                                line.write(b);
                            }
                            continue;
                        }
                        String text = line.toString(StandardCharsets.ISO_8859_1);
                        line.reset();
                        if (text.endsWith("\r")) {
                            text = text.substring(0, text.length() - 1);
                        }
                        onLine(text);
                    }
                }
            }
        }

        private void onLine(String text) {
            switch (state) {
                case HEAD -> {
                    if (!text.isEmpty()) {
                        head.append(text).append('\n');
                        return;
                    }
                    if (head.length() == 0) {
                        return; // a stray CRLF between requests
                    }
                    endOfHead();
                }
                case CHUNK_LINE -> {
                    if (text.isEmpty()) {
                        return; // the CRLF after a chunk's data
                    }
                    String size = text.contains(";") ? text.substring(0, text.indexOf(';')) : text;
                    remaining = Long.parseLong(size.trim(), 16);
                    state = remaining == 0 ? TRAILER : CHUNK_DATA;
                }
                case TRAILER -> {
                    if (text.isEmpty()) {
                        state = HEAD;
                    }
                }
                default -> throw new IllegalStateException("line in state " + state);
            }
        }

        private void endOfHead() {
            String[] lines = head.toString().split("\n");
            head.setLength(0);
            String[] requestLine = lines[0].split(" ");
            requests.incrementAndGet();
            firstRequestNanos.compareAndSet(0, System.nanoTime());
            String endpoint = endpoint(requestLine);
            byEndpoint.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
            if (endpoint.endsWith("?index") && waits.size() < 10) {
                waits.add(parameter(requestLine[1], "wait").orElse("default"));
            }
            long length = 0;
            boolean chunked = false;
            for (int k = 1; k < lines.length; k++) {
                String h = lines[k].toLowerCase(Locale.ROOT);
                if (h.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                state = CHUNK_LINE;
            } else if (length > 0) {
                remaining = length;
                state = BODY;
            } else {
                state = HEAD;
            }
        }
    }

    static java.util.Optional<String> parameter(String target, String name) {
        int q = target.indexOf('?');
        if (q < 0) {
            return java.util.Optional.empty();
        }
        for (String pair : target.substring(q + 1).split("&")) {
            if (pair.startsWith(name + "=")) {
                return java.util.Optional.of(pair.substring(name.length() + 1));
            }
        }
        return java.util.Optional.empty();
    }

    /** "GET /v1/health/service ?index" from a request line: method, first three path segments, blocking or not. */
    static String endpoint(String[] requestLine) {
        if (requestLine.length < 2) {
            return "?";
        }
        String target = requestLine[1];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        String[] segments = path.split("/", -1);
        StringBuilder p = new StringBuilder();
        for (int k = 1; k < segments.length && k <= 3; k++) {
            p.append('/').append(segments[k]);
        }
        boolean blocking = ("&" + query).contains("&index=");
        return requestLine[0] + " " + p + (blocking ? " ?index" : "");
    }
}
