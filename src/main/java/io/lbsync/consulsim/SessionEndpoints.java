package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * /v1/session/*: create, destroy, renew, and the blocking reads info, list and node. Defaults, validation order
 * and error texts follow Consul 1.10 (agent/session_endpoint.go, the Session RPC endpoint and its state store);
 * errors raised behind the RPC layer are 500s, as Consul answers them.
 */
final class SessionEndpoints {
    /** Consul's session_ttl_min default. */
    static final Duration DEFAULT_TTL_MIN = Duration.ofSeconds(10);
    /** Consul's structs.SessionTTLMax. */
    static final Duration TTL_MAX = Duration.ofHours(24);
    private static final Duration DEFAULT_LOCK_DELAY = Duration.ofSeconds(15);
    /** Consul's lockDelayMinThreshold: a LockDelay below this many nanoseconds is taken as seconds. */
    private static final long LOCK_DELAY_SECONDS_BELOW = 1000;
    private static final Set<String> GET = Set.of("GET");
    private static final Set<String> PUT = Set.of("PUT");
    private static final String DESTROY = "/v1/session/destroy/";
    private static final String RENEW = "/v1/session/renew/";
    private static final String INFO = "/v1/session/info/";
    private static final String NODE = "/v1/session/node/";

    private final Cluster cluster;
    private final SessionTimers timers;
    private final Duration ttlMin;

    SessionEndpoints(Cluster cluster, SessionTimers timers, Duration ttlMin) {
        this.cluster = cluster;
        this.timers = timers;
        this.ttlMin = ttlMin;
    }

    void addTo(Router r) {
        r.exact("/v1/session/create", PUT, this::create)
                .prefix(DESTROY, PUT, this::destroy)
                .prefix(RENEW, PUT, this::renew)
                .prefix(INFO, GET, this::info)
                .prefix(NODE, GET, this::node)
                .exact("/v1/session/list", GET, this::list);
    }

    private ApiResponse create(ApiRequest req) throws ApiException {
        SessionEntry draft = parseCreate(req);
        if (draft.node().isEmpty()) {
            throw ApiException.rpc("Must provide Node");
        }
        if (!req.policy().session().canWrite()) {
            throw ApiException.permissionDenied();
        }
        if (!draft.behavior().equals(SessionEntry.RELEASE) && !draft.behavior().equals(SessionEntry.DELETE)) {
            throw ApiException.rpc("Invalid Behavior setting '" + draft.behavior() + "'");
        }
        validateTtl(draft.ttl());
        String id = UUID.randomUUID().toString();
        cluster.store.tryWrite(txn -> {
            requireNodeAndChecks(draft);
            timers.reset(cluster.sessions.create(txn, draft, id));
            return null;
        });
        return ApiResponse.json(Map.of("ID", id), req.pretty());
    }

    /** The request body over the agent's defaults: its node, serfHealth, 15s lock-delay, behaviour release. */
    private static SessionEntry parseCreate(ApiRequest req) {
        String node = req.agent().nodeName();
        String name = "";
        String behavior = "";
        String ttl = "";
        Duration lockDelay = DEFAULT_LOCK_DELAY;
        List<String> nodeChecks = List.of(CatalogCheck.SERF_CHECK_ID);
        List<String> checks = List.of(CatalogCheck.SERF_CHECK_ID);
        List<SessionEntry.ServiceCheck> serviceChecks = null;
        if (req.body().length > 0) {
            JsonNode body = ConsulJson.object(ConsulJson.parse(req.body()), "structs.Session");
            name = ConsulJson.string(body, "Name");
            if (ConsulJson.has(body, "Node")) {
                node = ConsulJson.string(body, "Node");
            }
            behavior = ConsulJson.string(body, "Behavior");
            ttl = ConsulJson.string(body, "TTL");
            lockDelay = lockDelay(body, lockDelay);
            if (ConsulJson.present(body, "NodeChecks")) {
                nodeChecks = nullableStrings(body, "NodeChecks");
            }
            if (ConsulJson.present(body, "Checks")) {
                checks = nullableStrings(body, "Checks");
            }
            serviceChecks = serviceChecks(body);
        }
        // Consul's fixupEmptySessionChecks: the pre-1.7 Checks field still works, [] meaning "no checks at all".
        if (checks == null || checks.isEmpty()) {
            nodeChecks = List.of();
        } else if (checks.equals(List.of(CatalogCheck.SERF_CHECK_ID)) || nodeChecks == null || nodeChecks.isEmpty()) {
            checks = null;
        }
        return new SessionEntry("", name, node, lockDelay, behavior.isEmpty() ? SessionEntry.RELEASE : behavior, ttl,
                nodeChecks, serviceChecks, checks, 0, 0);
    }

    /** Consul's Session.UnmarshalJSON: a Go duration or a number of nanoseconds; anything else counts as 0. */
    private static Duration lockDelay(JsonNode body, Duration otherwise) {
        JsonNode v = ConsulJson.field(body, "LockDelay");
        if (v == null) {
            return otherwise;
        }
        long nanos = 0;
        if (v.isTextual()) {
            try {
                nanos = GoDuration.parse(v.asText()).toNanos();
            } catch (IllegalArgumentException e) {
                throw ConsulJson.decodeFailed(e.getMessage());
            }
        } else if (v.isNumber()) {
            nanos = v.isIntegralNumber() ? v.asLong() : (long) v.asDouble();
        }
        return Duration.ofNanos(nanos < LOCK_DELAY_SECONDS_BELOW ? nanos * 1_000_000_000L : nanos);
    }

    private static List<String> nullableStrings(JsonNode body, String name) {
        return ConsulJson.field(body, name) == null ? null : ConsulJson.strings(body, name);
    }

    private static List<SessionEntry.ServiceCheck> serviceChecks(JsonNode body) {
        JsonNode v = ConsulJson.field(body, "ServiceChecks");
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            throw ConsulJson.typeError(v, "ServiceChecks", "[]structs.ServiceCheck");
        }
        List<SessionEntry.ServiceCheck> out = new ArrayList<>();
        for (JsonNode c : v) {
            ConsulJson.object(c, "structs.ServiceCheck");
            out.add(new SessionEntry.ServiceCheck(ConsulJson.string(c, "ID"), ConsulJson.string(c, "Namespace")));
        }
        return out;
    }

    /** Session.Apply: "" or 0 = no TTL; otherwise within [session_ttl_min, 24h], the TTL quoted in nanoseconds. */
    private void validateTtl(String ttl) throws ApiException {
        if (ttl.isEmpty()) {
            return;
        }
        Duration d;
        try {
            d = GoDuration.parse(ttl);
        } catch (IllegalArgumentException e) {
            throw ApiException.rpc("Session TTL '" + ttl + "' invalid: " + e.getMessage());
        }
        if (!d.isZero() && (d.compareTo(ttlMin) < 0 || d.compareTo(TTL_MAX) > 0)) {
            throw ApiException.rpc("Invalid Session TTL '" + d.toNanos() + "', must be between ["
                    + GoDuration.goString(ttlMin) + "=" + GoDuration.goString(TTL_MAX) + "]");
        }
    }

    /** The state store's sessionCreateTxn checks: the node is registered, every check exists and is not critical. */
    private void requireNodeAndChecks(SessionEntry s) throws ApiException {
        if (cluster.catalog.node(s.node()).isEmpty()) {
            throw ApiException.rpc("Missing node registration");
        }
        for (String checkId : s.checkIds()) {
            CatalogCheck c = cluster.catalog.check(s.node(), checkId)
                    .orElseThrow(() -> ApiException.rpc("Missing check '" + checkId + "' registration"));
            if (c.status().equals(CatalogCheck.CRITICAL)) {
                throw ApiException.rpc("Check '" + checkId + "' is in critical state");
            }
        }
    }

    /** Destroying an unknown session is no error (Consul since 1.7), not even without rights. */
    private ApiResponse destroy(ApiRequest req) throws ApiException {
        String id = req.pathAfter(DESTROY);
        if (id.isEmpty()) {
            throw ApiException.badRequest("Missing session");
        }
        SessionIds.requireUuid(id, "Session lookup failed: ");
        TokenPolicy policy = req.policy();
        cluster.store.tryWrite(txn -> {
            if (cluster.sessions.get(id) != null) {
                if (!policy.session().canWrite()) {
                    throw ApiException.permissionDenied();
                }
                timers.clear(id);
                cluster.sessions.destroy(txn, id);
            }
            return null;
        });
        return ApiResponse.json(true, req.pretty());
    }

    /** Restarts the TTL countdown and answers the session; no index changes, so no query meta either. */
    private ApiResponse renew(ApiRequest req) throws ApiException {
        QueryOptions.parse(req);
        String id = req.pathAfter(RENEW);
        if (id.isEmpty()) {
            throw ApiException.badRequest("Missing session");
        }
        SessionIds.requireUuid(id, "");
        TokenPolicy policy = req.policy();
        SessionEntry renewed = cluster.store.tryWrite(txn -> {
            SessionEntry s = cluster.sessions.get(id);
            if (s != null) {
                if (!policy.session().canWrite()) {
                    throw ApiException.permissionDenied();
                }
                timers.reset(s);
            }
            return s;
        });
        if (renewed == null) {
            throw ApiException.notFound("Session id '" + id + "' not found");
        }
        return ApiResponse.json(List.of(JsonShapes.session(renewed)), req.pretty());
    }

    /** An unknown session is 200 [] (Consul turns its nil list into an empty one); without session read, too. */
    private ApiResponse info(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String id = req.pathAfter(INFO);
        if (id.isEmpty()) {
            throw ApiException.badRequest("Missing session");
        }
        SessionIds.requireUuid(id, "");
        TokenPolicy policy = req.policy();
        Sessions sessions = cluster.sessions;
        return cluster.blocking.respond(req, () -> {
            SessionEntry s = sessions.get(id);
            List<SessionEntry> found = s == null ? List.of() : List.of(s);
            return new QueryResult(sessions.tableIndex(), sessions.sessionIndex(id), shapes(found, policy), true);
        });
    }

    private ApiResponse node(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String node = req.pathAfter(NODE);
        if (node.isEmpty()) {
            throw ApiException.badRequest("Missing node name");
        }
        TokenPolicy policy = req.policy();
        Sessions sessions = cluster.sessions;
        return cluster.blocking.respond(req, () -> new QueryResult(sessions.tableIndex(), sessions.nodeIndex(node),
                shapes(sessions.onNode(node), policy), true));
    }

    private ApiResponse list(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        TokenPolicy policy = req.policy();
        Sessions sessions = cluster.sessions;
        return cluster.blocking.respond(req, () -> QueryResult.of(sessions.tableIndex(), shapes(sessions.list(), policy)));
    }

    /** Reads are filtered by session read rights, like Consul's filterACL, never refused. */
    private static List<Object> shapes(List<SessionEntry> sessions, TokenPolicy policy) {
        List<Object> out = new ArrayList<>();
        if (policy.session().canRead()) {
            sessions.forEach(s -> out.add(JsonShapes.session(s)));
        }
        return out;
    }
}
