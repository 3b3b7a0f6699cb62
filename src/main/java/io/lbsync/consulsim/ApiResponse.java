package io.lbsync.consulsim;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Status, headers and body of an answer. */
final class ApiResponse {
    private static final String JSON = "application/json";
    private static final String TEXT = "text/plain; charset=utf-8";

    final int status;
    final byte[] body;
    final Map<String, String> headers = new LinkedHashMap<>();

    private ApiResponse(int status, byte[] body, String contentType) {
        this.status = status;
        this.body = body;
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
    }

    static ApiResponse json(Object value, boolean pretty) {
        return new ApiResponse(200, ConsulJson.write(value, pretty), JSON);
    }

    static ApiResponse text(int status, String text) {
        return new ApiResponse(status, text.getBytes(StandardCharsets.UTF_8), TEXT);
    }

    static ApiResponse raw(byte[] body) {
        return new ApiResponse(200, body, "text/plain");
    }

    /** A status with no body at all (e.g. a KV miss, or a PUT that Consul answers with nothing). */
    static ApiResponse empty(int status) {
        return new ApiResponse(status, new byte[0], null);
    }

    ApiResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** Sets a header, removing any other spelling of the same name (HTTP header names ignore case). */
    ApiResponse replaceHeader(String name, String value) {
        headers.keySet().removeIf(k -> k.equalsIgnoreCase(name));
        headers.put(name, value);
        return this;
    }

    /** The same status and headers with another body (fault injection). */
    ApiResponse withBody(byte[] newBody) {
        ApiResponse r = new ApiResponse(status, newBody, null);
        r.headers.putAll(headers);
        return r;
    }

    /** An independent copy (answers shared by fault rules are copied before use). */
    ApiResponse copy() {
        return withBody(body.clone());
    }

    /** The query meta headers of catalog/health/KV reads (never on /v1/agent/*). */
    ApiResponse queryMeta(long index, QueryOptions options) {
        headers.put("X-Consul-Index", Long.toString(Math.max(1, index)));
        headers.put("X-Consul-KnownLeader", "true");
        headers.put("X-Consul-LastContact", "0");
        headers.put("X-Consul-Effective-Consistency", options.consistencyLevel());
        return this;
    }
}
