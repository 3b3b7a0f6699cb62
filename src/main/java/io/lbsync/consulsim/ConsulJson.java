package io.lbsync.consulsim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON in and out, Consul style. Consul (Go) matches request keys case-insensitively and also accepts
 * snake_case aliases ("check_id"), so lookups here ignore case and underscores.
 * Decode problems are IllegalArgumentExceptions whose message is Consul's 400 body.
 */
final class ConsulJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Go's json.MarshalIndent(v, "", "    ") look, which Consul uses for ?pretty. */
    private static final ObjectMapper PRETTY = new ObjectMapper().setDefaultPrettyPrinter(goPrettyPrinter())
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ConsulJson() {
    }

    private static DefaultPrettyPrinter goPrettyPrinter() {
        DefaultIndenter indent = new DefaultIndenter("    ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("").withArrayEmptySeparator("");
        return new DefaultPrettyPrinter(separators).withObjectIndenter(indent).withArrayIndenter(indent);
    }

    /** An unmodifiable copy iterating in key order, as Go marshals maps. */
    static Map<String, String> sorted(Map<String, String> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
    }

    static byte[] write(Object value, boolean pretty) {
        try {
            if (pretty) {
                byte[] body = PRETTY.writeValueAsBytes(value);
                byte[] withNewline = Arrays.copyOf(body, body.length + 1);
                withNewline[body.length] = '\n';
                return withNewline;
            }
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value, e);
        }
    }

    /** Parses a request body; an empty body is Go's "EOF". */
    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw decodeFailed("EOF");
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw decodeFailed("EOF");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw decodeFailed(e.getOriginalMessage());
        } catch (IOException e) {
            throw decodeFailed(firstLine(String.valueOf(e.getMessage())));
        }
    }

    static IllegalArgumentException decodeFailed(String why) {
        return new IllegalArgumentException("Request decode failed: " + why);
    }

    static JsonNode object(JsonNode node, String what) {
        if (node == null || !node.isObject()) {
            throw decodeFailed("json: cannot unmarshal " + typeOf(node) + " into Go value of type " + what);
        }
        return node;
    }

    /** The field named like {@code name} ignoring case and underscores, or null when absent or JSON null. */
    static JsonNode field(JsonNode obj, String name) {
        JsonNode v = raw(obj, name);
        return v == null || v.isNull() ? null : v;
    }

    /** Whether the key is there at all, JSON null included (Go decodes null into a slice as nil). */
    static boolean present(JsonNode obj, String name) {
        return raw(obj, name) != null;
    }

    private static JsonNode raw(JsonNode obj, String name) {
        String wanted = normalize(name);
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            if (normalize(e.getKey()).equals(wanted)) {
                return e.getValue();
            }
        }
        return null;
    }

    static boolean has(JsonNode obj, String name) {
        return field(obj, name) != null;
    }

    static String string(JsonNode obj, String name) {
        JsonNode v = field(obj, name);
        if (v == null) {
            return "";
        }
        if (!v.isTextual()) {
            throw typeError(v, name, "string");
        }
        return v.asText();
    }

    static long number(JsonNode obj, String name) {
        JsonNode v = field(obj, name);
        if (v == null) {
            return 0;
        }
        if (!v.isIntegralNumber()) {
            throw typeError(v, name, "int");
        }
        return v.asLong();
    }

    static boolean bool(JsonNode obj, String name) {
        JsonNode v = field(obj, name);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw typeError(v, name, "bool");
        }
        return v.asBoolean();
    }

    static List<String> strings(JsonNode obj, String name) {
        JsonNode v = field(obj, name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw typeError(v, name, "[]string");
        }
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw typeError(item, name, "string");
            }
            out.add(item.asText());
        }
        return out;
    }

    static Map<String, String> stringMap(JsonNode obj, String name) {
        JsonNode v = field(obj, name);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            throw typeError(v, name, "map[string]string");
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw typeError(e.getValue(), name, "string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** Consul accepts durations as Go strings ("10s") or as integer nanoseconds. */
    static Duration duration(JsonNode obj, String name) {
        JsonNode v = field(obj, name);
        if (v == null) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return Duration.ofNanos(v.asLong());
        }
        if (!v.isTextual()) {
            throw typeError(v, name, "time.Duration");
        }
        try {
            return GoDuration.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw decodeFailed(e.getMessage());
        }
    }

    static IllegalArgumentException typeError(JsonNode v, String field, String goType) {
        return decodeFailed("json: cannot unmarshal " + typeOf(v) + " into Go struct field ." + field + " of type " + goType);
    }

    static String typeOf(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "bool";
        }
        return v.isArray() ? "array" : "object";
    }

    private static String normalize(String key) {
        return key.replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
