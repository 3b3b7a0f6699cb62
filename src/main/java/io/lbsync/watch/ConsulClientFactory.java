package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import java.time.Duration;
import java.util.Map;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.config.CacheConfig;
import org.kiwiproject.consul.config.ClientConfig;

/**
 * Builds the kiwiproject Consul client. The ACL token travels only in the X-Consul-Token header (never a
 * ?token= URL parameter, which ends up in access logs); the read timeout covers a full blocking wait.
 * <p>
 * The client replaces the read timeout of every request carrying {@code ?wait=} by wait + wait/16 + a margin of its
 * own (2 s by default): that margin is set here so that a blocking read gets the same slack as
 * {@link ConsulSettings#readTimeout()} gives every other read.
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
                .withWriteTimeoutMillis(10_000)
                .withClientConfiguration(new ClientConfig(CacheConfig.builder()
                        .withTimeoutAutoAdjustmentMargin(blockingReadSlack(settings)).build()));
        settings.token().current().ifPresent(token -> builder.withHeaders(Map.of("X-Consul-Token", token)));
        settings.tls().ifPresent(tls -> builder.withHttps("https".equals(settings.url().getScheme()))
                .withSslContext(tls.context()).withTrustManager(tls.trustManager()));
        return builder.build();
    }

    /** What {@link ConsulSettings#readTimeout()} adds on top of Consul's longest answer time, wait × 17/16. */
    static Duration blockingReadSlack(ConsulSettings settings) {
        Duration wait = settings.blockingWait();
        Duration slack = settings.readTimeout().minus(wait).minus(wait.dividedBy(16));
        return slack.isNegative() ? Duration.ZERO : slack;
    }
}
