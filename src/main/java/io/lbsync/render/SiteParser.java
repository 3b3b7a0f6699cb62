package io.lbsync.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.model.KvSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads web sites from K/V: one key per site under {@code <prefix>sites/}, holding JSON
 * <pre>{"server_names": ["shop.example.com"], "listen": 8080, "routes": {"/": "web", "/api/": "api"}}</pre>
 * A value that does not parse or holds an invalid field is reported with its key and skipped; the others render.
 */
public final class SiteParser {
    /** Sub-path of the K/V prefix holding one key per site. */
    public static final String SITES = "sites/";
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~%/-]{0,200}");
    private static final Logger LOG = LoggerFactory.getLogger(SiteParser.class);
    private final ObjectMapper json = new ObjectMapper();

    /** A validated site; every string in it is safe to write into a config. */
    public record Site(String name, List<String> serverNames, int listen, Map<String, String> routes) {
    }

    public List<Site> parse(KvSnapshot kv) {
        List<Site> sites = new ArrayList<>();
        UniqueNames names = new UniqueNames();
        kv.under(SITES).forEach((key, value) -> {
            try {
                sites.add(parse(names.claim(SafeValues.identifier(key)), value));
            } catch (IllegalArgumentException e) {
                LOG.warn("event=kv-rejected key={} reason=\"{}\"", SafeValues.forLog(kv.prefix() + SITES + key), e.getMessage());
            }
        });
        return List.copyOf(sites);
    }

    private Site parse(String name, String value) {
        JsonNode root;
        try {
            root = json.readTree(value);
        } catch (Exception e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        List<String> serverNames = new ArrayList<>();
        for (JsonNode n : array(root, "server_names")) {
            serverNames.add(SafeValues.hostName(n.asText()).orElseThrow(() ->
                    new IllegalArgumentException("server_names: not a host name")));
        }
        JsonNode listen = root.path("listen");
        if (!listen.canConvertToInt() || !listen.isIntegralNumber() || !SafeValues.validPort(listen.asInt())) {
            throw new IllegalArgumentException("listen: must be a port number 1-65535");
        }
        JsonNode routes = root.path("routes");
        if (!routes.isObject() || routes.isEmpty()) {
            throw new IllegalArgumentException("routes: must map at least one path to a service");
        }
        Map<String, String> byPath = new TreeMap<>();
        routes.fields().forEachRemaining(e -> {
            if (!PATH.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("routes: path must start with / and hold only URL-safe characters");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                throw new IllegalArgumentException("routes: each path must name a service");
            }
            byPath.put(e.getKey(), e.getValue().asText());
        });
        return new Site(name, List.copyOf(serverNames), listen.asInt(), java.util.Collections.unmodifiableMap(byPath));
    }

    private static Iterable<JsonNode> array(JsonNode root, String field) {
        JsonNode node = root.path(field);
        if (node.isMissingNode()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(field + ": must be a list");
        }
        return node;
    }
}
