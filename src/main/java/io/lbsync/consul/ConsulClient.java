package io.lbsync.consul;

import io.lbsync.config.ConsulSettings;
import io.lbsync.config.Durations;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Calls to Consul's HTTP API through the process's one HTTP client ({@link ConsulClientFactory}): to the local agent
 * (the current one of lbsync.consul.url, chosen by {@link ConsulAgents}) or to any other agent by its URI (the cleanup
 * deregisters where a copy lives). Immutable; {@link #withToken} and {@link #withTimeout} give variants sharing the same
 * connections and the same {@link ConsulAgents}.
 * <p>
 * The ACL token is read for every request and travels only in the X-Consul-Token header: never in a URL, never in a
 * message. Untrusted values enter paths and queries only through {@link #segment}. A call that gets no answer throws
 * {@link ConsulUnreachableException} (on the local agent it also makes {@link ConsulAgents} switch to the next agent; a
 * call cancelled by such a switch throws {@link ConsulAgentSwitchedException}); any answer comes back as a
 * {@link ConsulResponse} ({@link ConsulResponse#requireOk} turns an error status into a {@link ConsulHttpException}).
 */
public final class ConsulClient {
    private final HttpClient http;
    private final ConsulAgents agents;
    private final Supplier<Optional<String>> token;
    private final Duration timeout;

    ConsulClient(HttpClient http, ConsulAgents agents, Supplier<Optional<String>> token, Duration timeout) {
        this.http = http;
        this.agents = agents;
        this.token = token;
        this.timeout = timeout;
    }

    /** The agent lbsync talks to now: the current one of lbsync.consul.url. */
    public URI localAgent() {
        return agents.current();
    }

    /** The same client acting with someone else's token (the registration guard acts for its caller); empty: none. */
    public ConsulClient withToken(Optional<String> otherToken) {
        return new ConsulClient(http, agents, () -> otherToken, timeout);
    }

    /** The same client with another timeout for calls that do not block. */
    public ConsulClient withTimeout(Duration callTimeout) {
        return new ConsulClient(http, agents, token, callTimeout);
    }

    /** GET on the local agent. */
    public ConsulResponse get(String pathAndQuery) {
        return sendLocal(pathAndQuery, HttpRequest.newBuilder().GET(), timeout);
    }

    /** GET on that agent (no switch of the local agent when it does not answer). */
    public ConsulResponse get(URI agent, String pathAndQuery) {
        return send(agent, pathAndQuery, HttpRequest.newBuilder().GET(), timeout, false);
    }

    /**
     * A blocking query on the local agent: {@code index} and {@code wait} are added to the query (Consul rule 2: the
     * timeout is wait + wait/16 + the slack of {@link ConsulSettings#readTimeout(Duration)}). With index 0 or no wait it
     * is an ordinary GET.
     */
    public ConsulResponse blockingGet(String pathAndQuery, long index, Duration wait) {
        if (index <= 0 || wait == null) {
            return get(pathAndQuery);
        }
        String query = (pathAndQuery.contains("?") ? "&" : "?") + "index=" + index + "&wait=" + Durations.toConsul(wait);
        return sendLocal(pathAndQuery + query, HttpRequest.newBuilder().GET(), ConsulSettings.readTimeout(wait));
    }

    /**
     * GET on the local agent whose 2xx body is parsed as it arrives, never held whole: a listing of a large catalog is
     * megabytes, held twice while the client joins its buffers, and still reachable after the call (the JDK client keeps
     * its last exchange). Any other status comes back as an ordinary response, its body read for the error message.
     */
    public <T> Streamed<T> getStreamed(String pathAndQuery, BodyParser<T> parser) {
        URI agent = agents.current();
        HttpResponse<InputStream> r = sendLocal(agent, pathAndQuery, HttpRequest.newBuilder().GET(), timeout,
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            boolean ok = r.statusCode() >= 200 && r.statusCode() < 300;
            ConsulResponse response = response(agent, pathAndQuery, r, ok ? new byte[0] : body.readAllBytes());
            // a parser may close what it reads (Jackson does): this one is read to its end here, so that the connection
            // goes back to the pool, then closed
            T value = ok ? parser.parse(response, new FilterInputStream(body) {
                @Override
                public void close() {
                }
            }) : null;
            body.transferTo(OutputStream.nullOutputStream());
            return new Streamed<>(response, value);
        } catch (IOException e) {
            throw new ConsulUnreachableException(agent, e);
        }
    }

    /** Parses a 2xx body as it arrives; {@code response} carries the status and headers (its bytes are empty). */
    @FunctionalInterface
    public interface BodyParser<T> {
        T parse(ConsulResponse response, InputStream body) throws IOException;
    }

    /** An answer of {@link #getStreamed}: the parsed body of a 2xx (null otherwise), with the status and headers. */
    public record Streamed<T>(ConsulResponse response, T value) {
    }

    /** PUT on the local agent. */
    public ConsulResponse put(String pathAndQuery, byte[] body) {
        return sendLocal(pathAndQuery, HttpRequest.newBuilder().PUT(HttpRequest.BodyPublishers.ofByteArray(body)), timeout);
    }

    /** PUT on that agent (no switch of the local agent when it does not answer). */
    public ConsulResponse put(URI agent, String pathAndQuery, byte[] body) {
        return send(agent, pathAndQuery, HttpRequest.newBuilder().PUT(HttpRequest.BodyPublishers.ofByteArray(body)), timeout, false);
    }

    /** A call to the current agent; no answer from it switches to the next one (not when this thread was interrupted). */
    private ConsulResponse sendLocal(String pathAndQuery, HttpRequest.Builder request, Duration callTimeout) {
        URI agent = agents.current();
        HttpResponse<byte[]> r = sendLocal(agent, pathAndQuery, request, callTimeout, HttpResponse.BodyHandlers.ofByteArray());
        return response(agent, pathAndQuery, r, r.body());
    }

    private <B> HttpResponse<B> sendLocal(URI agent, String pathAndQuery, HttpRequest.Builder request, Duration callTimeout,
                                          HttpResponse.BodyHandler<B> bodies) {
        try {
            return exchange(agent, pathAndQuery, request, callTimeout, true, bodies);
        } catch (ConsulAgentSwitchedException e) {
            throw e;
        } catch (ConsulUnreachableException e) {
            if (!Thread.currentThread().isInterrupted()) {
                Throwable cause = e.getCause();
                agents.unreachable(agent, cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
            }
            throw e;
        }
    }

    private ConsulResponse send(URI agent, String pathAndQuery, HttpRequest.Builder request, Duration callTimeout, boolean local) {
        HttpResponse<byte[]> r = exchange(agent, pathAndQuery, request, callTimeout, local, HttpResponse.BodyHandlers.ofByteArray());
        return response(agent, pathAndQuery, r, r.body());
    }

    /** Status and headers of {@code r} with {@code body} (empty for a streamed body the parser reads). */
    private static ConsulResponse response(URI agent, String pathAndQuery, HttpResponse<?> r, byte[] body) {
        HttpHeaders h = r.headers();
        return new ConsulResponse(agent, pathAndQuery, r.statusCode(), body,
                h.firstValue("X-Consul-Index"), h.firstValue("X-Consul-KnownLeader"), h.firstValue("X-Consul-LastContact"));
    }

    /** @param local a call to the current agent, cancelled when lbsync switches away from it */
    private <B> HttpResponse<B> exchange(URI agent, String pathAndQuery, HttpRequest.Builder request, Duration callTimeout,
                                         boolean local, HttpResponse.BodyHandler<B> bodies) {
        // scheme://authority + path: never URI.resolve, which would normalise a "/.." an untrusted value brought in
        request.uri(URI.create(agent.getScheme() + "://" + agent.getRawAuthority() + pathAndQuery)).timeout(callTimeout);
        token.get().ifPresent(t -> request.header("X-Consul-Token", t));
        // what HttpClient.send does, with the call where a switch of agents can cancel it (ConsulAgents)
        CompletableFuture<HttpResponse<B>> call = http.sendAsync(request.build(), bodies);
        if (local) {
            agents.started(call, agent);
        }
        try {
            return call.get();
        } catch (CancellationException | ExecutionException e) {
            if (call.isCancelled() || e.getCause() instanceof CancellationException) {
                throw new ConsulAgentSwitchedException(agent, agents.current()); // only a switch cancels a call
            }
            throw failure(agent, e.getCause());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ConsulUnreachableException(agent, new java.io.InterruptedIOException("interrupted"));
        } finally {
            agents.ended(call);
        }
    }

    /** The HTTP client's own exception, as {@link HttpClient#send} would throw it. */
    private static RuntimeException failure(URI agent, Throwable cause) {
        Throwable t = cause;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof IOException io) {
            return new ConsulUnreachableException(agent, io);
        }
        if (t instanceof RuntimeException re) {
            return re;
        }
        return new ConsulUnreachableException(agent, new IOException(t.getMessage(), t));
    }

    /**
     * One path segment or query value from an untrusted value (a service ID may hold '/', '?', '#', spaces...),
     * percent-encoded. "." and ".." cannot be a path segment at all (every HTTP stack, Consul's included, resolves
     * them): {@link IllegalArgumentException}.
     */
    public static String segment(String raw) {
        if (raw.equals(".") || raw.equals("..")) {
            throw new IllegalArgumentException("'" + raw + "' cannot be part of a URL path");
        }
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A K/V key as a path: each segment encoded, the slashes kept. */
    public static String keyPath(String key) {
        StringBuilder path = new StringBuilder();
        String[] parts = key.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                path.append('/');
            }
            if (!parts[i].isEmpty()) {
                path.append(segment(parts[i]));
            }
        }
        return path.toString();
    }
}
