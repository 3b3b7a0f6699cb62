package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * /v1/kv/&lt;key&gt;: get (single, ?recurse, ?keys, ?raw), put (?cas, ?flags, ?acquire, ?release) and
 * delete (?recurse, ?cas).
 */
final class KvEndpoints {
    /** Consul's default kv_max_value_size. */
    static final int MAX_VALUE_SIZE = 512 * 1024;
    private static final String PREFIX = "/v1/kv/";

    private final Cluster cluster;

    KvEndpoints(Cluster cluster) {
        this.cluster = cluster;
    }

    void addTo(Router r) {
        r.prefix(PREFIX, Set.of("GET", "PUT", "DELETE"), this::handle);
    }

    private ApiResponse handle(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        switch (req.method()) {
            case "GET":
                return req.has("keys") ? keys(req) : get(req);
            case "PUT":
                return put(req);
            default:
                return delete(req);
        }
    }

    private ApiResponse get(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String key = req.pathAfter(PREFIX);
        boolean recurse = req.has("recurse");
        if (!recurse && key.isEmpty()) {
            throw ApiException.badRequest("Missing key name");
        }
        TokenPolicy policy = req.policy();
        KvStore kv = cluster.kv;
        if (!recurse) {
            if (!policy.key().canRead()) {
                throw ApiException.permissionDenied();
            }
            QueryOptions options = QueryOptions.parse(req);
            QueryResult r = cluster.blocking.run(req.agent(), options, () -> {
                KvEntry e = kv.get(key);
                long index = e != null ? e.modifyIndex() : kv.tableIndex();
                return new QueryResult(index, kv.keyIndex(key), e, e != null);
            });
            if (!r.found()) {
                return ApiResponse.empty(404).queryMeta(r.index(), options);
            }
            KvEntry e = (KvEntry) r.body();
            ApiResponse response = req.has("raw")
                    ? ApiResponse.raw(e.value())
                    : ApiResponse.json(List.of(JsonShapes.kv(e)), req.pretty());
            return response.queryMeta(r.index(), options);
        }
        return cluster.blocking.respond(req, () -> {
            List<Object> out = new ArrayList<>();
            if (policy.key().canRead()) {
                kv.list(key).forEach(e -> out.add(JsonShapes.kv(e)));
            }
            return new QueryResult(listIndex(kv, key), watchIndex(kv, key), out, !out.isEmpty());
        });
    }

    private ApiResponse keys(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String prefix = req.pathAfter(PREFIX);
        String separator = req.param("separator") == null ? "" : req.param("separator");
        TokenPolicy policy = req.policy();
        KvStore kv = cluster.kv;
        return cluster.blocking.respond(req, () -> {
            List<String> out = new ArrayList<>();
            if (policy.key().canRead()) {
                String last = null;
                for (KvEntry e : kv.list(prefix)) {
                    String key = e.key();
                    if (!separator.isEmpty()) {
                        int at = key.indexOf(separator, prefix.length());
                        if (at >= 0) {
                            key = key.substring(0, at + separator.length());
                        }
                    }
                    if (!key.equals(last)) {
                        out.add(key);
                        last = key;
                    }
                }
            }
            // Consul answers an empty root listing with [] but an empty prefix with 404.
            return new QueryResult(listIndex(kv, prefix), watchIndex(kv, prefix), out, !out.isEmpty() || prefix.isEmpty());
        });
    }

    /** Consul's kvsListEntriesTxn: max ModifyIndex (tombstones included) under the prefix, else the table index. */
    private static long listIndex(KvStore kv, String prefix) {
        long idx = prefix.isEmpty() ? 0 : kv.prefixIndex(prefix);
        return idx != 0 ? idx : kv.tableIndex();
    }

    private static long watchIndex(KvStore kv, String prefix) {
        return prefix.isEmpty() ? kv.tableIndex() : kv.prefixIndex(prefix);
    }

    private ApiResponse put(ApiRequest req) throws ApiException {
        String key = req.pathAfter(PREFIX);
        if (key.isEmpty()) {
            throw ApiException.badRequest("Missing key name");
        }
        rejectConflictingFlags(req, "cas", "acquire", "release");
        long flags = unsignedParam(req, "flags", "Invalid flags");
        Long cas = req.has("cas") ? unsignedParam(req, "cas", "Invalid cas value") : null;
        byte[] value = req.body();
        if (value.length > MAX_VALUE_SIZE) {
            throw new ApiException(413, "Request body(" + value.length + " bytes) too large, max size: "
                    + MAX_VALUE_SIZE + " bytes. See https://www.consul.io/docs/agent/options.html#kv_max_value_size.");
        }
        if (!req.policy().key().canWrite()) {
            throw ApiException.permissionDenied();
        }
        boolean ok;
        if (req.has("acquire")) {
            ok = acquire(key, value, flags, req.param("acquire"));
        } else if (req.has("release")) {
            String session = req.param("release");
            ok = cluster.store.tryWrite(txn -> cluster.kv.unlock(txn, key, value, flags, requireSession(session)));
        } else {
            ok = cluster.store.write(txn -> cluster.kv.put(txn, key, value, flags, cas));
        }
        return ApiResponse.json(ok, req.pretty());
    }

    /**
     * Consul's order: the leader refuses a key still in lock-delay (false) before the state store looks at the
     * session, which must exist; errors come back from the RPC as 500 with the state store's text.
     */
    private boolean acquire(String key, byte[] value, long flags, String session) throws ApiException {
        return cluster.store.tryWrite(txn -> {
            if (cluster.kv.inLockDelay(key)) {
                return false;
            }
            if (cluster.sessions.get(requireSession(session)) == null) {
                throw ApiException.rpc("invalid session \"" + session + "\"");
            }
            return cluster.kv.lock(txn, key, value, flags, session);
        });
    }

    private static String requireSession(String session) throws ApiException {
        if (session.isEmpty()) {
            throw ApiException.rpc("missing session");
        }
        SessionIds.requireUuid(session, "");
        return session;
    }

    /** Consul's conflictingFlags: at most one of these parameters, else 400 quoting the whole query. */
    private static void rejectConflictingFlags(ApiRequest req, String... flags) throws ApiException {
        if (Arrays.stream(flags).filter(req::has).count() > 1) {
            throw ApiException.badRequest("Conflicting flags: " + req.encodedQuery());
        }
    }

    private ApiResponse delete(ApiRequest req) throws ApiException {
        String key = req.pathAfter(PREFIX);
        boolean recurse = req.has("recurse");
        rejectConflictingFlags(req, "recurse", "cas");
        if (!recurse && key.isEmpty()) {
            throw ApiException.badRequest("Missing key name");
        }
        Long cas = req.has("cas") ? unsignedParam(req, "cas", "Invalid cas value") : null;
        if (!req.policy().key().canWrite()) {
            throw ApiException.permissionDenied();
        }
        boolean ok = cluster.store.write(txn -> {
            if (recurse) {
                cluster.kv.deleteTree(txn, key);
                return true;
            }
            return cluster.kv.delete(txn, key, cas);
        });
        return ApiResponse.json(ok, req.pretty());
    }

    private static long unsignedParam(ApiRequest req, String name, String error) throws ApiException {
        String v = req.param(name);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(error);
        }
    }
}
