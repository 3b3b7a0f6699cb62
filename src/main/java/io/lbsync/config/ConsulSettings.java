package io.lbsync.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How to reach Consul: lbsync.consul.* properties. toString never shows the token. */
public record ConsulSettings(URI url, ConsulToken token, Optional<ConsulTls> tls, Optional<String> datacenter,
                             Duration blockingWait, Duration maxStale) {

    public static final Duration MAX_WAIT = Duration.ofMinutes(10);

    public static ConsulSettings from(Settings s) {
        URI url = parseUrl(s.string("lbsync.consul.url", "http://127.0.0.1:8500"));
        Optional<String> fixedToken = s.optional("lbsync.consul.token");
        Optional<String> tokenFile = s.optional("lbsync.consul.token-file");
        ConsulToken token = fixedToken.isEmpty() && tokenFile.isPresent()
                ? ConsulToken.fromFile(Path.of(tokenFile.get())) : ConsulToken.fixed(fixedToken);
        Optional<Path> caFile = readable(s, "lbsync.consul.ca-file");
        Optional<Path> clientCert = readable(s, "lbsync.consul.client-cert");
        Optional<Path> clientKey = readable(s, "lbsync.consul.client-key");
        Optional<ConsulTls> tls = "https".equals(url.getScheme()) || caFile.isPresent() || clientCert.isPresent()
                ? Optional.of(ConsulTls.from(caFile, clientCert, clientKey)) : Optional.empty();
        Duration wait = s.duration("lbsync.consul.wait", "5m");
        if (wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("lbsync.consul.wait: must be between 1ms and 10m (Consul's limit), got " + wait);
        }
        return new ConsulSettings(url, token, tls, s.optional("lbsync.consul.datacenter"), wait,
                s.duration("lbsync.consul.max-stale", "10s"));
    }

    private static URI parseUrl(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lbsync.consul.url: '" + value + "' is not a URL", e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("lbsync.consul.url: '" + value + "' must look like http://host:8500 or https://host:8501");
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
        return "ConsulSettings[url=" + url + ", token=" + token + ", tls=" + (tls.isPresent() ? "on" : "off")
                + ", datacenter=" + datacenter.orElse("-") + ", wait=" + blockingWait + "]";
    }
}
