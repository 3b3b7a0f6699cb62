package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
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
 * <p>
 * Every client built here shares one okhttp connection pool ({@link #SHARED_POOL}): the catalog and K/V watches,
 * their readers and the leader election reuse each other's idle connections, and at most {@link #MAX_IDLE} idle ones
 * stay open in the whole process (okhttp's default is 5 idle per client, kept 5 minutes). Connections in use are
 * bounded by the callers (long polls, {@link CatalogWatcher#READ_CONNECTIONS}); see docs/design-watching.md.
 */
public final class ConsulClientFactory {
    /** Idle keep-alive connections kept open, over all Consul clients of this process. */
    static final int MAX_IDLE = 3;
    /** How long an idle connection is kept for reuse. */
    static final long IDLE_KEEP_ALIVE_SECONDS = 60;
    /**
     * One pool for every client: okhttp reuses a pooled connection for any client with the same address settings
     * (same URL host/port, TLS context). {@code Consul.destroy()} evicts the pool's idle connections only, so a
     * client rebuilt after a token change does not cut the others' calls.
     */
    static final ConnectionPool SHARED_POOL = new ConnectionPool(MAX_IDLE, IDLE_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);

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
                .withConnectionPool(SHARED_POOL)
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
