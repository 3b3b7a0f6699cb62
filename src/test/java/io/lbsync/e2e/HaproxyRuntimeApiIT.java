package io.lbsync.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.runtimeapi.HaproxyServerLines;
import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.Closer;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.HaproxyMasterWorker;
import io.lbsync.testsupport.HttpTestBackends;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Ports;
import io.lbsync.testsupport.RawHttp;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync.haproxy.runtime-api: 100 membership changes (instances added, moved to another port, removed) in Consul while
 * clients send requests without pause through a real HAProxy 2.6 master-worker: with the runtime API on, zero reloads
 * and zero failed requests; with it off, every change is a reload, and the failed requests are counted and printed.
 */
class HaproxyRuntimeApiIT {
    private static final int CHANGES = 100;
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);
    private static HttpTestBackends backends;

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private Path output;
    private Path masterSocket;
    private int frontendPort;
    private HaproxyMasterWorker haproxy;
    private LbsyncApp app;
    private final String service = ConsulTestCluster.unique("rt");
    private final String host = service + ".test";
    /** instance → backend number, as registered in Consul now */
    private final Map<String, Integer> registered = new LinkedHashMap<>();

    @BeforeAll
    static void startBackends() throws IOException {
        backends = HttpTestBackends.start("backend-1", "backend-2", "backend-3", "backend-4");
    }

    @AfterAll
    static void stopBackends() {
        backends.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        output = dir.resolve("haproxy.cfg");
        masterSocket = dir.resolve("master.sock");
        frontendPort = Ports.free();
    }

    @AfterEach
    void tearDown() throws Exception {
        Closer.closeAll(app, haproxy, cluster);
    }

    @Test
    void runtimeApiAppliesMembershipChangesWithoutReloadOrFailedRequest() throws Exception {
        Result r = hundredChangesUnderLoad(true);
        assertThat(r.reloads).as("reloads with the runtime API on").isZero();
        assertThat(r.failed).as("failed requests with the runtime API on: " + r.errors).isZero();
        assertThat(r.requests).isGreaterThan(CHANGES);
        // the file stayed in step: a restart would load the same membership (checked by the last awaitChange)
        assertThat(haproxy.workers()).hasSize(1);
    }

    @Test
    void withoutRuntimeApiEveryChangeReloads() throws Exception {
        Result r = hundredChangesUnderLoad(false);
        assertThat(r.reloads).as("one reload per change with the runtime API off").isGreaterThanOrEqualTo(CHANGES);
        assertThat(r.requests).isGreaterThan(CHANGES);
        // no assertion on r.failed: the number is the point of this test (printed)
    }

    private record Result(long requests, long failed, int reloads, List<String> errors) {
    }

    private Result hundredChangesUnderLoad(boolean runtimeApi) throws Exception {
        Files.writeString(output, HaproxyMasterWorker.initialConfig(frontendPort));
        haproxy = HaproxyMasterWorker.start(output, masterSocket);
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.services", service); // not the other tests' services on a shared real cluster
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + frontendPort);
        p.put("lbsync.haproxy.master-socket", masterSocket.toString());
        p.put("lbsync.haproxy.runtime-api", String.valueOf(runtimeApi));
        p.put("lbsync.wait.min", "20ms");
        p.put("lbsync.wait.max", "200ms");
        app = LbsyncApp.start(p);
        register("i1", 1);
        awaitChange();
        await().atMost(CHANGE_TIMEOUT).until(() -> RawHttp.request(frontendPort, host).label().equals("backend-1"));

        int reloadsBefore = haproxy.counters().reloads();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong requests = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            boolean keepAlive = c < 2;
            Thread t = new Thread(() -> load(keepAlive, stop, requests, failed, errors), "load-" + c);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        long started = System.nanoTime();
        try {
            // a cycle of six membership changes: add, move to another port, add, remove, move, remove
            for (int k = 0; k < CHANGES; k++) {
                switch (k % 6) {
                    case 0 -> register("i2", 2);
                    case 1 -> register("i2", 3);
                    case 2 -> register("i3", 4);
                    case 3 -> deregister("i2");
                    case 4 -> register("i3", 2);
                    default -> deregister("i3");
                }
                awaitChange();
            }
            Thread.sleep(200); // requests after the last change count too
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join(10_000);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        int reloads = haproxy.counters().reloads() - reloadsBefore;
        Result r = new Result(requests.get(), failed.get(), reloads, List.copyOf(errors.subList(0, Math.min(10, errors.size()))));
        System.out.printf("HaproxyRuntimeApiIT runtime-api=%s: %d membership changes in %d ms, %d requests, %d failed, %d reloads%s%n",
                runtimeApi, CHANGES, took.toMillis(), r.requests, r.failed, r.reloads, r.errors.isEmpty() ? "" : ", first errors " + r.errors);
        assertThat(app.target("haproxy").status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
        return r;
    }

    // ---- the change, seen in the file and in the running worker ----

    /** Waits until the live file and HAProxy's current worker both serve exactly the registered instances. */
    private void awaitChange() {
        Set<String> wanted = registered.values().stream().map(b -> "127.0.0.1:" + backends.port("backend-" + b))
                .collect(Collectors.toCollection(TreeSet::new));
        // during a reload (runtime API off) the master re-executes and its CLI socket briefly refuses or drops us
        await("membership " + wanted).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(10)).ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> fileServers().equals(wanted) && workerServers().equals(wanted)
                        && app.target("haproxy").status() != null
                        && app.target("haproxy").status().result() == TargetStatus.Result.INSTALLED);
    }

    private String backendName() throws IOException {
        return HaproxyServerLines.parse(Files.readString(output)).backends().keySet().stream().findFirst().orElse("");
    }

    private Set<String> fileServers() throws IOException {
        return HaproxyServerLines.parse(Files.readString(output)).backends().values().stream()
                .flatMap(m -> m.values().stream()).map(HaproxyServerLines.Server::endpoint)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** addr:port of the current worker's servers in the service's backend that are not in maintenance. */
    private Set<String> workerServers() throws IOException {
        String backend = backendName();
        if (backend.isEmpty()) {
            return new TreeSet<>();
        }
        return haproxy.servingServers(backend).stream().map(HaproxyMasterWorker.LiveServer::endpoint)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private void register(String instance, int backend) {
        registered.put(instance, backend);
        cluster.http().registerService(node, "{\"ID\":\"" + service + "-" + instance + "\",\"Name\":\"" + service
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + backends.port("backend-" + backend)
                + ",\"Tags\":[\"lbsync.host=" + host + "\"]}").requireOk();
    }

    private void deregister(String instance) {
        registered.remove(instance);
        cluster.http().deregisterService(node, service + "-" + instance).requireOk();
    }

    // ---- the load: requests without pause, keep-alive or one connection each ----

    private void load(boolean keepAlive, AtomicBoolean stop, AtomicLong requests, AtomicLong failed, List<String> errors) {
        byte[] request = ("GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: lbsync-it\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII);
        Socket socket = null;
        while (!stop.get()) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", frontendPort), 2000);
                    socket.setSoTimeout(5000);
                }
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                Response response = readResponse(new BufferedInputStream(socket.getInputStream()));
                requests.incrementAndGet();
                if (response.status != 200 || !response.body.startsWith("backend-")) {
                    failed.incrementAndGet();
                    errors.add(response.status + ":" + response.body);
                }
                if (!keepAlive || response.close) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException | RuntimeException e) {
                requests.incrementAndGet();
                failed.incrementAndGet();
                errors.add((keepAlive ? "keep-alive " : "") + e);
                closeQuietly(socket);
                socket = null;
            }
        }
        closeQuietly(socket);
    }

    private record Response(int status, String body, boolean close) {
    }

    /**
     * One HTTP/1.1 response with a Content-Length body, read byte by byte so nothing of a next response is consumed.
     * (The BufferedInputStream is new per response, but reads stop exactly at the end of this one.)
     */
    private static Response readResponse(InputStream raw) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = raw.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.length() + " bytes of response head");
            }
            head.append((char) b);
            if (head.length() > 16_384) {
                throw new IOException("response head too long");
            }
        }
        String[] lines = head.toString().split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        int length = 0;
        boolean close = false;
        for (String line : lines) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        byte[] body = new byte[length];
        int read = 0;
        while (read < length) {
            int n = raw.read(body, read, length - read);
            if (n < 0) {
                throw new IOException("connection closed in the body");
            }
            read += n;
        }
        return new Response(status, new String(body, StandardCharsets.US_ASCII), close);
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
