package io.lbsync.runtimeapi;

import io.lbsync.render.SafeValues;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HAProxy config split in two: its {@code server} lines (per backend or listen section) and everything else, the
 * "structure" (every other line, with comments and blank lines left out). Two configs whose structures are equal differ
 * only in membership, which HAProxy's runtime API can change without a reload ({@link RuntimeMembership}).
 */
public record HaproxyServerLines(String structure, Map<String, Map<String, Server>> backends) {

    /**
     * One {@code server <name> <address>:<port> [options]} line. {@code address} is empty when the endpoint is not an IP
     * literal with a port (a DNS name, a unix socket...): such a server is only ever changed by a reload.
     * {@code weight} is -1 when the line has no {@code weight} option; {@code options} are the other options, in order.
     */
    public record Server(String name, Optional<String> address, int port, int weight, List<String> options, String endpoint) {
        public boolean runtimeCapable() {
            return address.isPresent();
        }

        /** The endpoint and options as {@code add server} takes them (the same words as the config line). */
        String addServerArguments() {
            StringBuilder b = new StringBuilder(endpoint);
            if (weight >= 0) {
                b.append(" weight ").append(weight);
            }
            options.forEach(o -> b.append(' ').append(o));
            return b.toString();
        }
    }

    public static HaproxyServerLines parse(String config) {
        StringBuilder structure = new StringBuilder();
        Map<String, Map<String, Server>> backends = new LinkedHashMap<>();
        String backend = null;
        for (String raw : config.split("\n", -1)) {
            String line = raw.stripTrailing();
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] words = trimmed.split("\\s+");
            if (!Character.isWhitespace(line.charAt(0))) {
                // a section keyword: servers belong to backend and listen sections
                backend = (words[0].equals("backend") || words[0].equals("listen")) && words.length > 1 ? words[1] : null;
            } else if (backend != null && words[0].equals("server") && words.length >= 3) {
                Server server = server(words);
                Map<String, Server> servers = backends.computeIfAbsent(backend, b -> new LinkedHashMap<>());
                if (servers.putIfAbsent(server.name(), server) == null) {
                    continue;
                }
                // two servers of one name (haproxy -c refuses it anyway): keep the line as structure → reload
            }
            structure.append(line).append('\n');
        }
        Map<String, Map<String, Server>> frozen = new LinkedHashMap<>();
        backends.forEach((b, s) -> frozen.put(b, Collections.unmodifiableMap(s)));
        return new HaproxyServerLines(structure.toString(), Collections.unmodifiableMap(frozen));
    }

    private static Server server(String[] words) {
        String endpoint = words[2];
        int weight = -1;
        List<String> options = new ArrayList<>();
        for (int i = 3; i < words.length; i++) {
            if (words[i].equals("weight") && i + 1 < words.length && words[i + 1].matches("\\d{1,3}")) {
                weight = Integer.parseInt(words[++i]);
            } else {
                options.add(words[i]);
            }
        }
        Optional<String> address = Optional.empty();
        int port = -1;
        int colon = endpoint.lastIndexOf(':');
        if (colon > 0 && endpoint.substring(colon + 1).matches("\\d{1,5}")) {
            String host = endpoint.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int p = Integer.parseInt(endpoint.substring(colon + 1));
            if ((SafeValues.isIpv4(host) || SafeValues.isIpv6(host)) && p > 0 && p < 65536) {
                address = Optional.of(host);
                port = p;
            }
        }
        return new Server(words[1], address, port, weight, List.copyOf(options), endpoint);
    }

    /** The servers of one backend (empty when it has none or does not exist). */
    public Map<String, Server> servers(String backend) {
        return backends.getOrDefault(backend, Map.of());
    }
}
