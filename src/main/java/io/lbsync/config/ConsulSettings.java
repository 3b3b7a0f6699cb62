package io.lbsync.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to reach Consul: lbsync.consul.* properties. toString never shows the token.
 *
 * @param urls the agents lbsync may read from, preferred first (lbsync.consul.url, a comma-separated list; see
 *             {@link io.lbsync.consul.ConsulAgents}); all http or all https, the TLS settings apply to each
 */
public record ConsulSettings(List<URI> urls, ConsulToken token, Optional<ConsulTls> tls, Optional<String> datacenter,
                             Duration blockingWait, Duration maxStale) {

    public static final Duration MAX_WAIT = Duration.ofMinutes(10);
    static final String URL_PROPERTY = "lbsync.consul.url";

    public ConsulSettings {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(URL_PROPERTY + ": no agent URL");
        }
    }

    public static ConsulSettings from(Settings s) {
        List<URI> urls = parseUrls(s.string(URL_PROPERTY, "http://127.0.0.1:8500"));
        Optional<String> fixedToken = s.optional("lbsync.consul.token");
        Optional<String> tokenFile = s.optional("lbsync.consul.token-file");
        ConsulToken token = fixedToken.isEmpty() && tokenFile.isPresent()
                ? ConsulToken.fromFile(Path.of(tokenFile.get())) : ConsulToken.fixed(fixedToken);
        Optional<Path> caFile = readable(s, "lbsync.consul.ca-file");
        Optional<Path> clientCert = readable(s, "lbsync.consul.client-cert");
        Optional<Path> clientKey = readable(s, "lbsync.consul.client-key");
        Optional<ConsulTls> tls = "https".equals(urls.get(0).getScheme()) || caFile.isPresent() || clientCert.isPresent()
                ? Optional.of(ConsulTls.from(caFile, clientCert, clientKey)) : Optional.empty();
        Duration wait = s.duration("lbsync.consul.wait", "5m");
        if (wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("lbsync.consul.wait: must be between 1ms and 10m (Consul's limit), got " + wait);
        }
        // with lbsync.consul.datacenters, the local datacenter is its first entry
        Optional<String> datacenter = s.optional("lbsync.consul.datacenter").filter(dc -> !dc.isBlank());
        Optional<String> listed = DatacenterList.parse(s.string(DatacenterList.PROPERTY, "")).local();
        if (datacenter.isPresent() && listed.isPresent() && !datacenter.get().equals(listed.get())) {
            throw new IllegalArgumentException("lbsync.consul.datacenter (" + datacenter.get() + ") differs from the first entry of "
                    + DatacenterList.PROPERTY + " (" + listed.get() + "), the local datacenter: set one of them");
        }
        return new ConsulSettings(urls, token, tls, datacenter.or(() -> listed), wait,
                s.duration("lbsync.consul.max-stale", "10s"));
    }

    /**
     * "http://a:8500" or "http://a:8500, http://b:8500": each entry a URL of its own, none twice, all of one scheme (a
     * switch never moves the token from TLS to plain http). Errors name the property and the bad entry.
     */
    static List<URI> parseUrls(String value) {
        List<URI> urls = new ArrayList<>();
        for (String entry : value.split(",", -1)) {
            String url = entry.trim();
            if (url.isEmpty()) {
                throw new IllegalArgumentException(URL_PROPERTY + ": an empty entry in '" + value + "' (a comma-separated list of URLs)");
            }
            URI uri = parseUrl(url);
            if (urls.contains(uri)) {
                throw new IllegalArgumentException(URL_PROPERTY + ": '" + url + "' is listed twice");
            }
            if (!urls.isEmpty() && !urls.get(0).getScheme().equals(uri.getScheme())) {
                throw new IllegalArgumentException(URL_PROPERTY + ": '" + url + "' is " + uri.getScheme() + " but '" + urls.get(0)
                        + "' is " + urls.get(0).getScheme() + ": list agents of one scheme (the TLS settings apply to all)");
            }
            urls.add(uri);
        }
        return urls;
    }

    private static URI parseUrl(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(URL_PROPERTY + ": '" + value + "' is not a URL", e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(URL_PROPERTY + ": '" + value + "' must look like http://host:8500 or https://host:8501");
        }
        return uri;
    }

    private static Optional<Path> readable(Settings s, String property) {
        Optional<Path> file = s.optional(property).map(Path::of);
        file.ifPresent(p -> {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException(property + ": cannot read " + p);
            }
        });
        return file;
    }

    /** Read timeout above Consul's wait + jitter (wait/16), with slack for a slow network. */
    public Duration readTimeout() {
        return readTimeout(blockingWait);
    }

    /** The timeout of a blocking read with this wait: Consul answers within wait × 17/16 (rule 2), plus 5 s of slack. */
    public static Duration readTimeout(Duration wait) {
        return wait.plus(wait.dividedBy(16)).plusSeconds(5);
    }

    @Override
    public String toString() {
        return "ConsulSettings[urls=" + urls + ", token=" + token + ", tls=" + (tls.isPresent() ? "on" : "off")
                + ", datacenter=" + datacenter.orElse("-") + ", wait=" + blockingWait + "]";
    }
}
