package io.lbsync.consulsim;

import com.sun.net.httpserver.Headers;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A parsed HTTP request as the endpoints see it, with the agent it arrived at. */
final class ApiRequest {
    private final String method;
    private final String path;
    private final Map<String, List<String>> query;
    private final Headers headers;
    private final byte[] body;
    private final LocalAgent agent;
    private final AclResolver acl;

    ApiRequest(String method, String path, String rawQuery, Headers headers, byte[] body, LocalAgent agent, AclResolver acl) {
        this.method = method;
        this.path = path;
        this.query = parseQuery(rawQuery);
        this.headers = headers;
        this.body = body;
        this.agent = agent;
        this.acl = acl;
    }

    String method() {
        return method;
    }

    String path() {
        return path;
    }

    /** The path after a route prefix, e.g. the key of /v1/kv/&lt;key&gt;. */
    String pathAfter(String prefix) {
        return path.substring(prefix.length());
    }

    byte[] body() {
        return body;
    }

    LocalAgent agent() {
        return agent;
    }

    boolean has(String param) {
        return query.containsKey(param);
    }

    /** First value of a query parameter, "" for a bare flag like {@code ?recurse}, null when absent. */
    String param(String name) {
        List<String> values = query.get(name);
        return values == null ? null : values.get(0);
    }

    List<String> params(String name) {
        return query.getOrDefault(name, List.of());
    }

    /** Consul's getBoolQueryParam: bare flag = true, otherwise strconv.ParseBool. */
    boolean boolParam(String name, String errorBody) throws ApiException {
        String v = param(name);
        if (v == null) {
            return false;
        }
        Boolean b = v.isEmpty() ? Boolean.TRUE : parseGoBool(v);
        if (b == null) {
            throw ApiException.badRequest(errorBody);
        }
        return b;
    }

    /**
     * A parameter that must be given and be a Go bool (strconv.ParseBool: a bare flag is no value), like the
     * {@code enable} of the maintenance endpoints: 400 "Missing value for &lt;name&gt;" or
     * "Invalid value for &lt;name&gt;: "&lt;raw&gt;"".
     */
    boolean requiredBoolParam(String name) throws ApiException {
        String v = param(name);
        if (v == null) {
            throw ApiException.badRequest("Missing value for " + name);
        }
        Boolean b = parseGoBool(v);
        if (b == null) {
            throw ApiException.badRequest("Invalid value for " + name + ": \"" + v + "\"");
        }
        return b;
    }

    /** Go's strconv.ParseBool; null when it fails. */
    private static Boolean parseGoBool(String v) {
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> Boolean.TRUE;
            case "0", "f", "F", "false", "FALSE", "False" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** The query as Go's url.Values.Encode writes it (keys sorted), which some Consul error bodies quote. */
    String encodedQuery() {
        StringBuilder out = new StringBuilder();
        for (String name : new TreeSet<>(query.keySet())) {
            for (String value : query.get(name)) {
                out.append(out.length() == 0 ? "" : "&").append(goQueryEscape(name)).append('=').append(goQueryEscape(value));
            }
        }
        return out.toString();
    }

    /** Go's url.QueryEscape: like URLEncoder except that it keeps '~' and escapes '*'. */
    private static String goQueryEscape(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("%7E", "~").replace("*", "%2A");
    }

    boolean pretty() {
        return has("pretty");
    }

    /** Consul reads ?token first, then X-Consul-Token, then "Authorization: Bearer". */
    String token() {
        String t = param("token");
        if (t != null && !t.isEmpty()) {
            return t;
        }
        t = headers.getFirst("X-Consul-Token");
        if (t != null && !t.isEmpty()) {
            return t;
        }
        String auth = headers.getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        return "";
    }

    TokenPolicy policy() throws ApiException {
        return acl.resolve(token());
    }

    boolean aclEnabled() {
        return acl.enabled();
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
