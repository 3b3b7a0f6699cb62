package io.lbsync.consul;

import io.lbsync.config.ConsulSettings;
import io.lbsync.config.Durations;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Calls to Consul's HTTP API through the process's one HTTP client ({@link ConsulClientFactory}): to the local agent
 * (lbsync.consul.url) or to any other agent (the cleanup deregisters where a copy lives). Immutable; {@link #withToken}
 * and {@link #withTimeout} give variants sharing the same connections.
 * <p>
 * The ACL token is read for every request and travels only in the X-Consul-Token header: never in a URL, never in a
 * message. Untrusted values enter paths and queries only through {@link #segment}. A call that gets no answer throws
 * {@link ConsulUnreachableException}; any answer comes back as a {@link ConsulResponse} ({@link ConsulResponse#requireOk}
 * turns an error status into a {@link ConsulHttpException}).
 */
public final class ConsulClient {
    private final HttpClient http;
    private final URI localAgent;
    private final Supplier<Optional<String>> token;
    private final Duration timeout;

    ConsulClient(HttpClient http, URI localAgent, Supplier<Optional<String>> token, Duration timeout) {
        this.http = http;
        this.localAgent = localAgent;
        this.token = token;
        this.timeout = timeout;
    }

    /** The agent lbsync talks to (lbsync.consul.url). */
    public URI localAgent() {
        return localAgent;
    }

    /** The same client acting with someone else's token (the registration guard acts for its caller); empty: none. */
    public ConsulClient withToken(Optional<String> otherToken) {
        return new ConsulClient(http, localAgent, () -> otherToken, timeout);
    }

    /** The same client with another timeout for calls that do not block. */
    public ConsulClient withTimeout(Duration callTimeout) {
        return new ConsulClient(http, localAgent, token, callTimeout);
    }

    /** GET on the local agent. */
    public ConsulResponse get(String pathAndQuery) {
        return get(localAgent, pathAndQuery);
    }

    public ConsulResponse get(URI agent, String pathAndQuery) {
        return send(agent, pathAndQuery, HttpRequest.newBuilder().GET(), timeout);
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
        return send(localAgent, pathAndQuery + query, HttpRequest.newBuilder().GET(), ConsulSettings.readTimeout(wait));
    }

    /** PUT on the local agent. */
    public ConsulResponse put(String pathAndQuery, byte[] body) {
        return put(localAgent, pathAndQuery, body);
    }

    public ConsulResponse put(URI agent, String pathAndQuery, byte[] body) {
        return send(agent, pathAndQuery, HttpRequest.newBuilder().PUT(HttpRequest.BodyPublishers.ofByteArray(body)), timeout);
    }

    private ConsulResponse send(URI agent, String pathAndQuery, HttpRequest.Builder request, Duration callTimeout) {
        // scheme://authority + path: never URI.resolve, which would normalise a "/.." an untrusted value brought in
        request.uri(URI.create(agent.getScheme() + "://" + agent.getRawAuthority() + pathAndQuery)).timeout(callTimeout);
        token.get().ifPresent(t -> request.header("X-Consul-Token", t));
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            HttpHeaders h = r.headers();
            return new ConsulResponse(agent, pathAndQuery, r.statusCode(), r.body(), h.firstValue("X-Consul-Index"),
                    h.firstValue("X-Consul-KnownLeader"), h.firstValue("X-Consul-LastContact"));
        } catch (IOException e) {
            throw new ConsulUnreachableException(agent, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConsulUnreachableException(agent, new java.io.InterruptedIOException("interrupted"));
        }
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
