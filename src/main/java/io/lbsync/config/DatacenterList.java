package io.lbsync.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * lbsync.consul.datacenters: the datacenters lbsync serves from, in order of preference — the first is the local one
 * (normal servers), the others give backup servers. Empty: only the agent's own datacenter, as before. "nearest": the
 * agent's own datacenter first, then every other one Consul knows, nearest first by Consul's own round-trip estimates
 * (the order of GET /v1/catalog/datacenters), looked up once at start.
 */
public record DatacenterList(List<String> names, boolean nearest) {
    public static final String PROPERTY = "lbsync.consul.datacenters";
    public static final DatacenterList NONE = new DatacenterList(List.of(), false);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public DatacenterList {
        names = List.copyOf(names);
    }

    public static DatacenterList parse(String value) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty()) {
            return NONE;
        }
        if (v.toLowerCase(Locale.ROOT).equals("nearest")) {
            return new DatacenterList(List.of(), true);
        }
        List<String> names = new ArrayList<>();
        for (String raw : v.split(",", -1)) {
            String name = raw.strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(PROPERTY + ": '" + name + "' in '" + value + "' is not a datacenter name "
                        + "(letters, digits, '-', '_', '.'), nor is the value \"nearest\"");
            }
            if (names.contains(name)) {
                throw new IllegalArgumentException(PROPERTY + ": '" + name + "' is listed twice in '" + value + "'");
            }
            names.add(name);
        }
        return new DatacenterList(names, false);
    }

    /** The local datacenter an explicit list names (its first); empty for none or "nearest" (the agent's own). */
    public Optional<String> local() {
        return names.isEmpty() ? Optional.empty() : Optional.of(names.get(0));
    }

    /**
     * The order with "nearest" resolved: {@code agentDatacenter} first, then {@code byDistance} (Consul's order) without it.
     */
    public List<String> resolve(String agentDatacenter, List<String> byDistance) {
        if (!nearest) {
            return names;
        }
        List<String> order = new ArrayList<>(List.of(agentDatacenter));
        byDistance.stream().filter(dc -> !dc.equals(agentDatacenter)).forEach(order::add);
        return List.copyOf(order);
    }
}
