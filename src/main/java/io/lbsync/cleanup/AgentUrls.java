package io.lbsync.cleanup;

import io.lbsync.render.SafeValues;
import java.net.URI;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where the HTTP API of the agent owning a node lives: lbsync.cleanup.agent-url.&lt;node&gt; if set, else the
 * lbsync.cleanup.agent-url pattern with {node} and {address} (the node's address from the catalog) filled in.
 * Node names and addresses come from Consul, so only strictly shaped values may enter a URL.
 */
public final class AgentUrls {
    public static final String PROPERTY = "lbsync.cleanup.agent-url";
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    private final String pattern;
    private final Function<String, Optional<String>> property;

    /** @param property looks up a property by name (for the per-node overrides) */
    public AgentUrls(String pattern, Function<String, Optional<String>> property) {
        this.pattern = pattern;
        this.property = property;
        // fail at start-up on a pattern that could never give a URL
        check(PROPERTY, pattern.replace("{node}", "node").replace("{address}", "127.0.0.1"));
    }

    public URI forNode(String node, String nodeAddress) {
        String overrideName = PROPERTY + "." + node;
        if (NODE_NAME.matcher(node).matches()) {
            Optional<String> override = property.apply(overrideName).map(String::trim).filter(v -> !v.isEmpty());
            if (override.isPresent()) {
                return check(overrideName, override.get());
            }
        }
        if (pattern.contains("{node}") && !NODE_NAME.matcher(node).matches()) {
            throw new IllegalArgumentException("node name '" + SafeValues.forLog(node) + "' cannot be used in " + PROPERTY);
        }
        String address = SafeValues.address(nodeAddress).orElse(null);
        if (pattern.contains("{address}") && address == null) {
            throw new IllegalArgumentException("node " + SafeValues.forLog(node) + " has no usable address ('"
                    + SafeValues.forLog(nodeAddress) + "'); set " + overrideName);
        }
        String host = address != null && SafeValues.isIpv6(address) ? "[" + address + "]" : address;
        return check(PROPERTY, pattern.replace("{node}", node).replace("{address}", host == null ? "" : host));
    }

    private static URI check(String name, String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a URL", e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException(name + ": '" + value + "' must look like http://host:8500");
        }
        return uri;
    }
}
