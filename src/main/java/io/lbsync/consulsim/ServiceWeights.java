package io.lbsync.consulsim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Consul's service Weights: the SRV weight DNS gives an instance while its checks pass, and while one warns.
 * Consul 1.9: a registration without Weights gets {1, 1}; Weights given without Warning has Warning 0 (Go's zero
 * value). The agent endpoint refuses invalid weights ({@link #problem()}), the catalog endpoint silently replaces
 * them with the default.
 */
public record ServiceWeights(int passing, int warning) {
    public static final ServiceWeights DEFAULT = new ServiceWeights(1, 1);

    /** structs.ValidateWeights: null when valid, else the reason (400 "Invalid Weights: reason" at the agent). */
    String problem() {
        if (passing < 1) {
            return "Passing must be greater than 0";
        }
        if (warning < 0) {
            return "Warning must be greater or equal than 0";
        }
        if (passing > 65535 || warning > 65535) {
            return "DNS Weight must be between 0 and 65535";
        }
        return null;
    }

    /**
     * Reads the Weights object of a request; null when absent or JSON null. {@code goStruct} and {@code goPath} name
     * the field as Go's decode errors do: "" and "Weights" at the agent, "NodeService" and "Service.Weights" in a
     * catalog registration. Numbers outside Java's int range are clamped: every such value fails {@link #problem()}
     * just as it does in Consul.
     */
    static ServiceWeights read(JsonNode owner, String goStruct, String goPath) {
        JsonNode w = ConsulJson.field(owner, "Weights");
        if (w == null) {
            return null;
        }
        if (!w.isObject()) {
            throw ConsulJson.decodeFailed("json: cannot unmarshal " + ConsulJson.typeOf(w) + " into Go struct field " + goStruct + "."
                    + goPath + " of type structs.Weights");
        }
        return new ServiceWeights(weight(w, "Passing", goPath), weight(w, "Warning", goPath));
    }

    private static int weight(JsonNode weights, String name, String goPath) {
        JsonNode v = ConsulJson.field(weights, name);
        if (v == null) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            // Go names a number by its literal ("number 3.5"), anything else by its JSON type
            String what = v.isNumber() ? "number " + v : ConsulJson.typeOf(v);
            throw ConsulJson.decodeFailed("json: cannot unmarshal " + what + " into Go struct field Weights." + goPath + "."
                    + name + " of type int");
        }
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v.asLong()));
    }

    /** {"Passing": n, "Warning": n}, as Consul writes it. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Passing", passing);
        m.put("Warning", warning);
        return m;
    }
}
