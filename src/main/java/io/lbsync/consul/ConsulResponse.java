package io.lbsync.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One answer of a Consul agent: status, body and the headers of Consul's blocking-query protocol.
 *
 * @param call the path and query asked (no token ever is in it); messages show only its path
 * @param bytes the body as received: parsed as UTF-8 JSON straight from the bytes (a listing of a large catalog is
 *              megabytes; decoding it into a String first doubled the work)
 */
public record ConsulResponse(URI agent, String call, int status, byte[] bytes, Optional<String> indexHeader,
                             Optional<String> knownLeaderHeader, Optional<String> lastContactHeader) {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 300;

    public ConsulResponse {
        bytes = bytes == null ? new byte[0] : bytes;
    }

    public ConsulResponse(URI agent, String call, int status, String body, Optional<String> indexHeader,
                          Optional<String> knownLeaderHeader, Optional<String> lastContactHeader) {
        this(agent, call, status, body == null ? null : body.getBytes(StandardCharsets.UTF_8), indexHeader, knownLeaderHeader,
                lastContactHeader);
    }

    /** The body as text (error messages, small answers). */
    public String body() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /** The answer, or a {@link ConsulHttpException} for any status but 2xx. */
    public ConsulResponse requireOk() {
        if (!ok()) {
            String text = body().strip();
            throw new ConsulHttpException(agent, path(), status,
                    text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "..." : text);
        }
        return this;
    }

    /** The call without its query. */
    public String path() {
        int q = call.indexOf('?');
        return q < 0 ? call : call.substring(0, q);
    }

    /** X-Consul-Index, 0 when absent (Consul rule 1). */
    public long index() {
        return number(indexHeader, "X-Consul-Index");
    }

    /** X-Consul-KnownLeader; absent counts as false (the answering server did not say it has a leader). */
    public boolean knownLeader() {
        return knownLeaderHeader.map(v -> v.trim().equalsIgnoreCase("true")).orElse(false);
    }

    /** X-Consul-LastContact in milliseconds, 0 when absent. */
    public long lastContactMillis() {
        return number(lastContactHeader, "X-Consul-LastContact");
    }

    private long number(Optional<String> header, String name) {
        if (header.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(header.get().trim());
        } catch (NumberFormatException e) {
            throw new ConsulBadResponseException(path(), name + " is not a number");
        }
    }

    /**
     * The body as JSON; "null" or nothing is not Consul talking. A body that is not JSON is a
     * {@link ConsulBadResponseException} whose message quotes nothing of it (an error page may echo the request).
     */
    public JsonNode json() {
        JsonNode node;
        try {
            node = bytes.length == 0 ? null : JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new ConsulBadResponseException(path(), "not JSON (" + e.getClass().getSimpleName()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ")");
        } catch (IOException e) {
            throw new ConsulBadResponseException(path(), "not JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw new ConsulBadResponseException(path(), "no data");
        }
        return node;
    }
}
