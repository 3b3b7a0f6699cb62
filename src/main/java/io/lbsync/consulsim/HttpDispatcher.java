package io.lbsync.consulsim;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Front door of every agent's HTTP server: connection cap, routing, 404/405, error mapping, writing the answer.
 * Mirrors the order of Consul's http.go wrapper.
 */
final class HttpDispatcher {
    private static final Logger LOG = Logger.getLogger(HttpDispatcher.class.getName());

    private final Router router;
    private final AclResolver acl;
    private final ConnectionLimiter limiter;
    private final ConsulFaults faults;
    private final AtomicLong requests = new AtomicLong();

    HttpDispatcher(Router router, AclResolver acl, ConnectionLimiter limiter, ConsulFaults faults) {
        this.router = router;
        this.acl = acl;
        this.limiter = limiter;
        this.faults = faults;
    }

    long requestCount() {
        return requests.get();
    }

    int activeConnections(String ip) {
        return limiter.active(ip);
    }

    void handle(HttpExchange exchange, LocalAgent agent) {
        requests.incrementAndGet();
        String ip = exchange.getRemoteAddress().getAddress().getHostAddress();
        if (!limiter.tryAcquire(ip)) {
            ApiResponse refused = ApiResponse.text(429, ConnectionLimiter.TOO_MANY).header("Connection", "close");
            write(exchange, refused);
            return;
        }
        try {
            answer(exchange, agent);
        } catch (AgentStoppedException | InterruptedException stopped) {
            exchange.close(); // the agent is gone: drop the request like a dead process would
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "consul simulator request failed", e);
            write(exchange, ApiResponse.text(500, String.valueOf(e.getMessage())));
        } finally {
            limiter.release(ip);
        }
    }

    /**
     * Runs the request and writes its answer, as the injected faults make it go (see {@link ConsulFaults}): rules in
     * force when the request arrives may refuse it; rules added while it runs (a blocking query) still change its answer.
     */
    private void answer(HttpExchange exchange, LocalAgent agent) throws IOException, InterruptedException, AgentStoppedException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getRawQuery();
        List<FaultRule> before = faults.match(path, query, List.of());
        if (endsHere(exchange, before)) {
            return;
        }
        ApiResponse response = dispatch(exchange, agent);
        List<FaultRule> during = faults.match(path, query, before);
        if (endsHere(exchange, during)) {
            return;
        }
        for (List<FaultRule> rules : List.of(before, during)) {
            for (FaultRule rule : rules) {
                Fault f = rule.fault();
                if (f.kind == Fault.Kind.DELAY) {
                    Thread.sleep(f.delay().toMillis());
                }
                response = f.alter(response);
            }
        }
        write(exchange, response);
    }

    /** Answers with the first error answer or dropped connection among the rules; false when there is none. */
    private static boolean endsHere(HttpExchange exchange, List<FaultRule> rules) {
        for (FaultRule rule : rules) {
            Fault f = rule.fault();
            if (f.kind == Fault.Kind.DROP) {
                exchange.close(); // no status line at all: the client sees the connection end
                return true;
            }
            if (f.kind == Fault.Kind.STATUS) {
                write(exchange, f.errorAnswer());
                return true;
            }
        }
        return false;
    }

    private ApiResponse dispatch(HttpExchange exchange, LocalAgent agent)
            throws IOException, InterruptedException, AgentStoppedException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        byte[] body = readBody(exchange.getRequestBody());
        if (RequestPaths.hasControlCharacter(path)) {
            return ApiResponse.empty(400);
        }
        String clean = RequestPaths.clean(path);
        if (!clean.equals(path)) {
            return redirect(exchange, method, clean);
        }
        var route = router.find(path);
        if (route.isEmpty()) {
            return ApiResponse.empty(404);
        }
        String allow = allowHeader(route.get());
        if (method.equals("OPTIONS")) {
            return ApiResponse.empty(200).header("Allow", allow);
        }
        if (!route.get().methods().contains(method)) {
            return ApiResponse.text(405, "method " + method + " not allowed").header("Allow", allow);
        }
        ApiRequest req = new ApiRequest(method, path, exchange.getRequestURI().getRawQuery(),
                exchange.getRequestHeaders(), body, agent, acl);
        try {
            return route.get().endpoint().handle(req);
        } catch (ApiException e) {
            // a client agent forwards catalog/health/KV/session calls to the servers and prefixes their errors,
            // ACL refusals included (real Consul 1.9); /v1/agent/* is answered by the agent itself
            boolean forwarded = !agent.isServer()
                    && (e.fromServerRpc() || (e.status() == 403 && !path.startsWith("/v1/agent/")));
            return ApiResponse.text(e.status(), forwarded ? "rpc error making call: " + e.getMessage() : e.getMessage());
        } catch (IllegalArgumentException e) {
            // body decode problems carry Consul's 400 text
            return ApiResponse.text(400, e.getMessage());
        }
    }

    /** Go's ServeMux: 301 to the cleaned path, with a trailing slash when only the subtree pattern "path/" matches. */
    private ApiResponse redirect(HttpExchange exchange, String method, String clean) {
        boolean subtree = !clean.endsWith("/")
                && router.find(clean + "/").map(r -> r.prefix() && r.pattern().equals(clean + "/")).orElse(false);
        String query = exchange.getRequestURI().getRawQuery();
        // Go writes the path percent-encoded (url.URL.String): non-ASCII and spaces never go raw into a header
        String path;
        try {
            path = new java.net.URI(null, null, subtree ? clean + "/" : clean, null).toASCIIString();
        } catch (java.net.URISyntaxException e) {
            path = "/";
        }
        String location = path + (query == null ? "" : "?" + query);
        boolean withBody = method.equals("GET") || method.equals("HEAD");
        ApiResponse r = withBody ? ApiResponse.text(301, "<a href=\"" + location + "\">Moved Permanently</a>.\n\n")
                .header("Content-Type", "text/html; charset=utf-8") : ApiResponse.empty(301);
        return r.header("Location", location);
    }

    private static String allowHeader(Router.Route route) {
        TreeSet<String> methods = new TreeSet<>(route.methods());
        methods.add("OPTIONS");
        return String.join(",", methods);
    }

    private static byte[] readBody(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void write(HttpExchange exchange, ApiResponse response) {
        try (exchange) {
            for (Map.Entry<String, String> h : response.headers.entrySet()) {
                exchange.getResponseHeaders().set(h.getKey(), h.getValue());
            }
            byte[] body = response.body;
            exchange.sendResponseHeaders(response.status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "client went away: " + new String(response.body, StandardCharsets.UTF_8), e);
        }
    }
}
