package io.lbsync.render;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.model.KvSnapshot;
import io.lbsync.render.RejectedValues.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads web sites from K/V: one key per site under {@code <prefix>sites/}, holding JSON
 * <pre>{"server_names": ["shop.example.com"], "listen": 8080, "routes": {"/": "web", "/api/": "api"}}</pre>
 * A value that does not parse or holds an invalid field is reported with its key and skipped; the others render.
 */
public final class SiteParser {
    /** Sub-path of the K/V prefix holding one key per site. */
    public static final String SITES = "sites/";
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~%/-]{0,200}");
    /** Strict: trailing text after the object and a field given twice make a value invalid, not "the first/last wins". */
    private final ObjectMapper json = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * A validated site; every string in it is safe to write into a config, except {@code key} and {@code value}: the
     * K/V key (relative to the sites path) and value as stored, untrusted (only for the raw-value opt-in).
     */
    public record Site(String name, List<String> serverNames, int listen, Map<String, String> routes, String key, String value) {
    }

    /** A site value that cannot be used, and which of its fields is at fault. */
    private static final class Invalid extends IllegalArgumentException {
        private final Field field;

        Invalid(Field field, String message) {
            super(message);
            this.field = field;
        }
    }

    /** The valid sites; the invalid ones are left out without a report (see {@link #parse(KvSnapshot, RejectedValues.Collector)}). */
    public List<Site> parse(KvSnapshot kv) {
        return parse(kv, new RejectedValues.Collector());
    }

    /** The valid sites; each invalid one is reported to {@code rejections} (event=kv-rejected, logged by this class). */
    List<Site> parse(KvSnapshot kv, RejectedValues.Collector rejections) {
        List<Site> sites = new ArrayList<>();
        UniqueNames names = new UniqueNames();
        kv.under(SITES).forEach((key, value) -> {
            try {
                Site site = parse(key, value);
                sites.add(new Site(names.claim(SafeValues.identifier(key)), site.serverNames(), site.listen(), site.routes(),
                        key, value));
            } catch (Invalid e) {
                rejections.reject(e.field, SiteParser.class, "event=kv-rejected key=" + SafeValues.forLog(kv.prefix() + SITES + key)
                        + " field=" + e.field.label() + " reason=\"" + SafeValues.quotedForLog(e.getMessage()) + "\"", key + '\0' + value);
            }
        });
        return List.copyOf(sites);
    }

    private Site parse(String key, String value) {
        JsonNode root;
        try {
            root = json.readTree(value);
        } catch (Exception e) {
            throw new Invalid(Field.SITE_JSON, "not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(Field.SITE_JSON, "not a JSON object");
        }
        List<String> serverNames = new ArrayList<>();
        for (JsonNode n : array(root, "server_names", Field.SITE_SERVER_NAMES)) {
            // a number or a boolean is not a host name, even though its text would pass ("true", "1e3")
            if (!n.isTextual()) {
                throw new Invalid(Field.SITE_SERVER_NAMES, "server_names: each must be a string");
            }
            serverNames.add(SafeValues.hostName(n.asText()).orElseThrow(() ->
                    new Invalid(Field.SITE_SERVER_NAMES, "server_names: not a host name")));
        }
        JsonNode listen = root.path("listen");
        if (!listen.canConvertToInt() || !listen.isIntegralNumber() || !SafeValues.validPort(listen.asInt())) {
            throw new Invalid(Field.SITE_LISTEN, "listen: must be a port number 1-65535");
        }
        JsonNode routes = root.path("routes");
        if (!routes.isObject() || routes.isEmpty()) {
            throw new Invalid(Field.SITE_ROUTES, "routes: must map at least one path to a service");
        }
        Map<String, String> byPath = new TreeMap<>();
        routes.fields().forEachRemaining(e -> {
            if (!PATH.matcher(e.getKey()).matches()) {
                throw new Invalid(Field.SITE_ROUTES, "routes: path must start with / and hold only URL-safe characters");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                throw new Invalid(Field.SITE_ROUTES, "routes: each path must name a service");
            }
            byPath.put(e.getKey(), e.getValue().asText());
        });
        return new Site(key, List.copyOf(serverNames), listen.asInt(), java.util.Collections.unmodifiableMap(byPath), key, value);
    }

    private static Iterable<JsonNode> array(JsonNode root, String field, Field label) {
        JsonNode node = root.path(field);
        if (node.isMissingNode()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new Invalid(label, field + ": must be a list");
        }
        return node;
    }
}
