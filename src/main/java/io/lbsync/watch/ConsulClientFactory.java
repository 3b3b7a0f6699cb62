package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import java.util.Map;
import org.kiwiproject.consul.Consul;

/**
 * Builds the kiwiproject Consul client. The ACL token travels only in the X-Consul-Token header (never a
 * ?token= URL parameter, which ends up in access logs); the read timeout covers a full blocking wait.
 */
public final class ConsulClientFactory {
    private ConsulClientFactory() {
    }

    /** A client with the token as it is now: {@link ConsulClients} builds a new one when the token changes. */
    public static Consul create(ConsulSettings settings) {
        Consul.Builder builder = Consul.builder()
                .withUrl(settings.url().toString())
                .withPing(false)
                .withConnectTimeoutMillis(5_000)
                .withReadTimeoutMillis(settings.readTimeout().toMillis())
                .withWriteTimeoutMillis(10_000);
        settings.token().current().ifPresent(token -> builder.withHeaders(Map.of("X-Consul-Token", token)));
        settings.tls().ifPresent(tls -> builder.withHttps("https".equals(settings.url().getScheme()))
                .withSslContext(tls.context()).withTrustManager(tls.trustManager()));
        return builder.build();
    }
}
