package io.lbsync.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.lbsync.config.ConsulSettings;
import io.lbsync.config.ConsulToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one Consul client: what goes on the wire (token, path, query), what comes back, and what it costs in threads. */
class ConsulClientTest {
    /** One request as the server saw it: raw path and query, the X-Consul-Token header. */
    record Seen(String method, String uri, String token) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final java.util.Set<Integer> ports = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private HttpServer server;
    private URI url;
    private ConsulClientFactory factory;

    @TempDir
    Path dir;

    @BeforeEach
    void server() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            ports.add(exchange.getRemoteAddress().getPort());
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                    exchange.getRequestHeaders().getFirst("X-Consul-Token")));
            byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getRawPath().startsWith("/v1/kv/") ? 404 : 200;
            exchange.getResponseHeaders().add("X-Consul-Index", "42");
            exchange.getResponseHeaders().add("X-Consul-KnownLeader", "true");
            exchange.getResponseHeaders().add("X-Consul-LastContact", "7");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (factory != null) {
            factory.close();
        }
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    private ConsulClient client(ConsulToken token) {
        factory = ConsulClientFactory.create(new ConsulSettings(List.of(url), token, Optional.empty(), Optional.empty(),
                Duration.ofSeconds(1), Duration.ofSeconds(10)));
        return factory.client();
    }

    /** A client whose token comes from a file (lbsync.consul.token-file) holding {@code token} now. */
    private ConsulClient clientWithTokenFile(Path file, String token) throws IOException {
        Files.writeString(file, token);
        return client(ConsulToken.fromFile(file));
    }

    @Test
    void theTokenTravelsInTheHeaderOnlyAndARotatedTokenFileIsUsedWithoutANewClient() throws Exception {
        Path file = dir.resolve("token");
        ConsulClient consul = clientWithTokenFile(file, "first-secret\n");
        consul.get("/v1/catalog/services?stale");
        Files.writeString(file, "second-secret-longer\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        consul.get("/v1/catalog/services?stale");
        consul.withToken(Optional.of("callers-token")).put(url, "/v1/agent/service/register", new byte[0]);
        consul.withToken(Optional.empty()).get("/v1/agent/members");

        assertThat(seen).extracting(Seen::token).containsExactly("first-secret", "second-secret-longer", "callers-token", null);
        assertThat(seen).allSatisfy(s -> assertThat(s.uri()).doesNotContain("secret", "token"));
    }

    @Test
    void anAnswerCarriesStatusBodyAndConsulsHeaders() {
        ConsulResponse r = client(ConsulToken.fixed(Optional.empty())).get("/v1/health/state/any");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("[]");
        assertThat(r.index()).isEqualTo(42);
        assertThat(r.knownLeader()).isTrue();
        assertThat(r.lastContactMillis()).isEqualTo(7);
    }

    @Test
    void aBlockingReadSendsIndexAndWait() {
        ConsulClient consul = client(ConsulToken.fixed(Optional.empty()));
        consul.blockingGet("/v1/catalog/services?stale", 41, Duration.ofMillis(1500));
        consul.blockingGet("/v1/catalog/services", 0, Duration.ofSeconds(5)); // index 0: never blocks (rule 3)
        assertThat(seen).extracting(Seen::uri)
                .containsExactly("/v1/catalog/services?stale&index=41&wait=1500ms", "/v1/catalog/services");
        assertThat(ConsulSettings.readTimeout(Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(300 + 18 + 5).plusMillis(750));
    }

    @Test
    void untrustedValuesArePercentEncodedAndDotSegmentsRefused() {
        ConsulClient consul = client(ConsulToken.fixed(Optional.empty()));
        consul.get("/v1/health/service/" + ConsulClient.segment("a/b?c#d e%") + "?dc=" + ConsulClient.segment("dc&x=1"));
        consul.get("/v1/kv/" + ConsulClient.keyPath("lbsync/a b/") + "?recurse");
        assertThat(seen).extracting(Seen::uri).containsExactly("/v1/health/service/a%2Fb%3Fc%23d%20e%25?dc=dc%26x%3D1",
                "/v1/kv/lbsync/a%20b/?recurse");
        assertThatThrownBy(() -> ConsulClient.segment("..")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConsulClient.segment(".")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMissingKvPrefixIsEmptyAndErrorsAreLbsyncsOwn() {
        ConsulClient consul = client(ConsulToken.fixed(Optional.empty()));
        ConsulResponse kv = consul.get("/v1/kv/lbsync/?recurse");
        assertThat(ConsulAnswers.kv(kv, "lbsync/")).isEmpty();
        assertThatThrownBy(kv::requireOk).isInstanceOfSatisfying(ConsulHttpException.class, e -> assertThat(e.status()).isEqualTo(404));
        server.stop(0);
        assertThatThrownBy(() -> consul.get("/v1/agent/self")).isInstanceOf(ConsulUnreachableException.class)
                .hasMessageStartingWith("agent " + url + " unreachable");
    }

    @Test
    void factoriesMadeOneAfterAnotherShareOnePlainHttpClientAndItsIdleConnections() {
        ConsulClient first = client(ConsulToken.fixed(Optional.empty()));
        first.get("/v1/agent/self");
        factory.close(); // a context that stopped; the next one starts
        ConsulClient second = client(ConsulToken.fixed(Optional.empty()));
        second.get("/v1/agent/self");
        assertThat(ports).as("the second factory reused the first one's idle connection").hasSize(1);
    }

    @Test
    void aStreamedAnswerIsParsedAsItArrivesAndItsConnectionIsUsedAgain() {
        ConsulClient consul = client(ConsulToken.fixed(Optional.of("s3cret")));
        for (int i = 0; i < 3; i++) {
            // the parser reads one byte only and closes the stream (as Jackson does): the rest of the body is still read,
            // or the connection could not be reused
            ConsulClient.Streamed<String> answer = consul.getStreamed("/v1/internal/ui/nodes?stale", (r, body) -> {
                try (body) {
                    return r.status() + ":" + (char) body.read();
                }
            });
            assertThat(answer.value()).isEqualTo("200:[");
            assertThat(answer.response().index()).isEqualTo(42);
            assertThat(answer.response().lastContactMillis()).isEqualTo(7);
        }
        assertThat(ports).as("one connection for every streamed answer").hasSize(1);
        assertThat(seen).extracting(Seen::token).containsOnly("s3cret");

        ConsulClient.Streamed<String> notFound = consul.getStreamed("/v1/kv/x", (r, body) -> "parsed");
        assertThat(notFound.value()).as("an error status is not given to the parser").isNull();
        assertThat(notFound.response().status()).isEqualTo(404);
        assertThat(notFound.response().body()).as("kept for the error message").isEqualTo("[]");
    }

    @Test
    void manyCallsAndTokenRotationsCostNoNewThreads() throws Exception {
        Path file = dir.resolve("token");
        ConsulClient consul = clientWithTokenFile(file, "t0");
        consul.get("/v1/agent/self");
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                calls.add(callers.submit(() -> {
                    if (n % 20 == 0) {
                        rotate(file, "t" + n);
                    }
                    return consul.get("/v1/agent/self").requireOk();
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
        java.util.Set<Thread> after = Thread.getAllStackTraces().keySet();
        assertThat(after.stream().filter(t -> t.getName().startsWith(ConsulClientFactory.THREAD_PREFIX + "-")))
                .as("the one fixed executor").hasSizeLessThanOrEqualTo(ConsulClientFactory.THREADS);
        assertThat(after.stream().filter(t -> !before.contains(t) && t.getName().startsWith("HttpClient-")))
                .as("no new HTTP client (selector thread) for new calls or a new token").isEmpty();
    }

    private static synchronized void rotate(Path file, String token) {
        try {
            Files.writeString(file, token);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
