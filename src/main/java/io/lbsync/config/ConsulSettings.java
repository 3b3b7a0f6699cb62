package io.lbsync.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How to reach Consul: lbsync.consul.* properties. toString never shows the token. */
public record ConsulSettings(URI url, Optional<String> token, Optional<Path> caFile, Optional<String> datacenter,
                             Duration blockingWait, Duration maxStale) {

    public static final Duration MAX_WAIT = Duration.ofMinutes(10);

    public static ConsulSettings from(Settings s) {
        URI url = parseUrl(s.string("lbsync.consul.url", "http://127.0.0.1:8500"));
        Optional<String> token = s.optional("lbsync.consul.token");
        Optional<String> tokenFile = s.optional("lbsync.consul.token-file");
        if (token.isEmpty() && tokenFile.isPresent()) {
            token = Optional.of(readTokenFile(Path.of(tokenFile.get())));
        }
        Optional<Path> caFile = s.optional("lbsync.consul.ca-file").map(Path::of);
        caFile.ifPresent(p -> {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("lbsync.consul.ca-file: cannot read " + p);
            }
        });
        Duration wait = s.duration("lbsync.consul.wait", "5m");
        if (wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("lbsync.consul.wait: must be between 1ms and 10m (Consul's limit), got " + wait);
        }
        return new ConsulSettings(url, token, caFile, s.optional("lbsync.consul.datacenter"), wait,
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

    private static String readTokenFile(Path file) {
        try {
            String token = Files.readString(file).trim();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("lbsync.consul.token-file: " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("lbsync.consul.token-file: cannot read " + file, e);
        }
    }

    /** Read timeout above Consul's wait + jitter (wait/16), with slack for a slow network. */
    public Duration readTimeout() {
        return blockingWait.plus(blockingWait.dividedBy(16)).plusSeconds(5);
    }

    @Override
    public String toString() {
        return "ConsulSettings[url=" + url + ", token=" + (token.isPresent() ? "(set)" : "(none)") + ", caFile="
                + caFile.map(Path::toString).orElse("-") + ", datacenter=" + datacenter.orElse("-") + ", wait=" + blockingWait + "]";
    }
}
