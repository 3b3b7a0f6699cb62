package io.lbsync.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.config.ConsulSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Short, non-blocking calls to any Consul agent (not only the local one): the cleanup reads, deregisters and
 * verifies on the agent that owns a copy, the registration guard registers on a chosen agent. The ACL token
 * travels only in the X-Consul-Token header; error messages name the agent, never the token.
 */
public final class ConsulApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 300;

    private final HttpClient http;
    private final Supplier<Optional<String>> token;
    private final Duration timeout;

    ConsulApi(HttpClient http, Supplier<Optional<String>> token, Duration timeout) {
        this.http = http;
        this.token = token;
        this.timeout = timeout;
    }

    /** A client for lbsync's own calls: its (current) token, and lbsync.consul.*'s TLS settings for https agents. */
    public static ConsulApi create(ConsulSettings settings, Duration timeout) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
        settings.tls().ifPresent(tls -> builder.sslContext(tls.context()));
        return new ConsulApi(builder.build(), settings.token()::current, timeout);
    }

    /** The same client acting with someone else's token (the registration guard acts for its caller). */
    public ConsulApi withToken(Optional<String> otherToken) {
        return new ConsulApi(http, () -> otherToken, timeout);
    }

    public Response get(URI agent, String pathAndQuery) {
        return send(agent, pathAndQuery, HttpRequest.newBuilder().GET());
    }

    public Response put(URI agent, String pathAndQuery, byte[] body) {
        return send(agent, pathAndQuery, HttpRequest.newBuilder().PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private Response send(URI agent, String pathAndQuery, HttpRequest.Builder request) {
        URI uri = agent.resolve(pathAndQuery);
        request.uri(uri).timeout(timeout);
        token.get().ifPresent(t -> request.header("X-Consul-Token", t));
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Optional<Long> index = r.headers().firstValue("X-Consul-Index").map(Long::parseLong);
            return new Response(agent, pathAndQuery, r.statusCode(), r.body(), index);
        } catch (IOException e) {
            throw new AgentUnreachableException(agent, e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentUnreachableException(agent, "interrupted");
        }
    }

    /** One path segment from an untrusted value (a service ID may hold '/', '?', '#', spaces...). */
    public static String segment(String raw) {
        return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** An agent's answer. {@link #requireOk()} turns any non-2xx into an exception naming the agent and call. */
    public record Response(URI agent, String call, int status, String body, Optional<Long> index) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public Response requireOk() {
            if (!ok()) {
                String text = body == null ? "" : body.strip();
                throw new ConsulCallException(agent, call.replaceFirst("\\?.*", ""), status,
                        text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "..." : text);
            }
            return this;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new ConsulCallException(agent, call.replaceFirst("\\?.*", ""), status, "not JSON: " + e.getMessage());
            }
        }
    }
}
