package io.lbsync.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A tiny Consul HTTP client for tests, sending the token in the X-Consul-Token header.
 * It remembers what it registered and wrote so that {@link ConsulTestCluster#close()} can clean a real cluster.
 */
public final class ConsulHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client;
    private final String baseUrl;
    private final Function<String, String> agentUrls;
    private final String token;
    private final Tracking tracking;

    /** What a test created, for cleanup on a real Consul. */
    static final class Tracking {
        final Set<Map.Entry<String, String>> services = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
        final Set<String> keys = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    }

    ConsulHttp(String baseUrl, Function<String, String> agentUrls, String token, Tracking tracking) {
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.baseUrl = stripSlash(baseUrl);
        this.agentUrls = node -> stripSlash(agentUrls.apply(node));
        this.token = token;
        this.tracking = tracking;
    }

    /** A client for any URL, without token (for {@link #send}). */
    public static ConsulHttp plain() {
        return new ConsulHttp("http://127.0.0.1", n -> "http://127.0.0.1", null, new Tracking());
    }

    /** The same client with another token (null or "" = no token = anonymous). */
    public ConsulHttp withToken(String otherToken) {
        return new ConsulHttp(baseUrl, agentUrls, otherToken, tracking);
    }

    /**
     * The same client (token, tracking) sending every request to the named node's agent, over its own connections: a
     * test that counts the connections lbsync opens to one agent writes through another.
     */
    public ConsulHttp via(String node) {
        String agent = agentUrls.apply(node);
        return new ConsulHttp(agent, agentUrls, token, tracking);
    }

    Tracking tracking() {
        return tracking;
    }

    /** An HTTP answer: status, headers (case-insensitive) and body text. */
    public record Response(int status, HttpHeaders headers, String body) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** X-Consul-Index, or -1 when absent. */
        public long index() {
            String v = header("X-Consul-Index");
            return v == null ? -1 : Long.parseLong(v);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public Response requireOk() {
            if (status != 200) {
                throw new AssertionError("expected 200, got " + status + ": " + body);
            }
            return this;
        }
    }

    // ---- agent operations (sent to the named node's own agent) ----

    public Response registerService(String node, String consulJson) {
        Response r = send("PUT", agentUrls.apply(node) + "/v1/agent/service/register", consulJson, DEFAULT_TIMEOUT);
        if (r.status() == 200) {
            tracking.services.add(Map.entry(node, serviceId(consulJson)));
        }
        return r;
    }

    public Response deregisterService(String node, String serviceId) {
        return send("PUT", agentUrls.apply(node) + "/v1/agent/service/deregister/" + encodePath(serviceId), "", DEFAULT_TIMEOUT);
    }

    /** Maintenance mode of one service instance (what {@code consul maint -service} does): on = a critical check. */
    public Response serviceMaintenance(String node, String serviceId, boolean enable) {
        return send("PUT", agentUrls.apply(node) + "/v1/agent/service/maintenance/" + encodePath(serviceId) + "?enable=" + enable
                + "&reason=lbsync-test", "", DEFAULT_TIMEOUT);
    }

    public Response passCheck(String node, String checkId, String note) {
        return ttl(node, "pass", checkId, note);
    }

    public Response warnCheck(String node, String checkId, String note) {
        return ttl(node, "warn", checkId, note);
    }

    public Response failCheck(String node, String checkId, String note) {
        return ttl(node, "fail", checkId, note);
    }

    private Response ttl(String node, String verb, String checkId, String note) {
        String query = note == null ? "" : "?note=" + URLEncoder.encode(note, StandardCharsets.UTF_8);
        return send("PUT", agentUrls.apply(node) + "/v1/agent/check/" + verb + "/" + encodePath(checkId) + query, "", DEFAULT_TIMEOUT);
    }

    // ---- catalog / KV ----

    public Response catalogDeregister(String nodeName, String serviceId) {
        String body = "{\"Node\":" + quote(nodeName) + ",\"ServiceID\":" + quote(serviceId) + "}";
        return put("/v1/catalog/deregister", body);
    }

    /** PUT /v1/kv/key; true when Consul answered true. */
    public boolean kvPut(String key, String value) {
        tracking.keys.add(key);
        Response r = put("/v1/kv/" + key, value).requireOk();
        return r.body().trim().equals("true");
    }

    public Response kvDelete(String key, boolean recurse) {
        return send("DELETE", baseUrl + "/v1/kv/" + key + (recurse ? "?recurse" : ""), null, DEFAULT_TIMEOUT);
    }

    // ---- generic ----

    /** GET against the first agent; path starts with "/v1/...". */
    public Response get(String path) {
        return get(path, DEFAULT_TIMEOUT);
    }

    public Response get(String path, Duration timeout) {
        return send("GET", baseUrl + path, null, timeout);
    }

    /** GET against the named node's agent. */
    public Response getFrom(String node, String path) {
        return send("GET", agentUrls.apply(node) + path, null, DEFAULT_TIMEOUT);
    }

    /** A blocking read in flight: the index it was started with, and its answer to come. */
    public record BlockedRead(long index, CompletableFuture<Response> answer) {
    }

    /**
     * Starts a blocking read of {@code path} (with {@code ?index=} at its current index, wait 20 s) that is still
     * waiting 300 ms later: a cluster that just started may still be syncing its agents, and any change wakes the
     * read, so it is tried up to 10 times. The caller checks that it is still waiting ({@code answer().isDone()}).
     */
    public BlockedRead blockedRead(String path) {
        BlockedRead read = null;
        for (int attempt = 0; attempt < 10 && (read == null || read.answer().isDone()); attempt++) {
            long at = get(path).requireOk().index();
            String blocking = path + (path.contains("?") ? "&" : "?") + "index=" + at + "&wait=20s";
            read = new BlockedRead(at, CompletableFuture.supplyAsync(() -> get(blocking, DEFAULT_TIMEOUT)));
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return read;
    }

    public Response put(String path, String body) {
        return send("PUT", baseUrl + path, body, DEFAULT_TIMEOUT);
    }

    public Response send(String method, String url, String body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null && !token.isEmpty()) {
            b.header("X-Consul-Token", token);
        }
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String serviceId(String consulJson) {
        try {
            JsonNode n = JSON.readTree(consulJson);
            for (String key : new String[] {"ID", "Id", "id"}) {
                if (n.hasNonNull(key) && !n.get(key).asText().isEmpty()) {
                    return n.get(key).asText();
                }
            }
            for (String key : new String[] {"Name", "name"}) {
                if (n.hasNonNull(key)) {
                    return n.get(key).asText();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code s} as a JSON string literal. */
    public static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encodePath(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
