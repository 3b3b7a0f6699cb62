package io.lbsync.consul;

import io.lbsync.DaemonThreads;
import io.lbsync.config.ConsulSettings;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Service;

/**
 * The one Consul HTTP stack of the process: a single JDK {@link HttpClient} built once from {@link ConsulSettings}
 * (TLS context with the optional client certificate, a connect timeout, no redirects, HTTP/1.1), shared by the watches,
 * the leader election, the duplicate cleanup, the registration guard and the change guard's corroboration. Every
 * {@link ConsulClient} it hands out sends its requests through that client, so they all share one connection pool and
 * one small thread pool (docs/design-watching.md, "The client").
 * <p>
 * The ACL token is not part of the client: each request reads it from {@link io.lbsync.config.ConsulToken} (a rotated
 * token file needs no rebuild) and sends it in the X-Consul-Token header only.
 * <p>
 * A Camel {@link Service}: added to the context, it is closed when the context stops.
 */
public final class ConsulClientFactory implements Service, AutoCloseable {
    /** Connect timeout of every Consul connection. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Threads of the HTTP client's executor (it completes exchanges: short, non-blocking tasks; the callers block in
     * {@code send}). With the client's own selector thread, the Consul stack costs 1 + this many threads, however many
     * calls run.
     */
    static final int THREADS = 2;
    private static final AtomicInteger FACTORIES = new AtomicInteger();

    private final ConsulSettings settings;
    private final String threadPrefix = "lbsync-consul-http-" + FACTORIES.incrementAndGet();
    private final ExecutorService executor;
    private final HttpClient http;

    private ConsulClientFactory(ConsulSettings settings) {
        this.settings = settings;
        this.executor = Executors.newFixedThreadPool(THREADS, DaemonThreads.named(threadPrefix));
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        settings.tls().ifPresent(tls -> builder.sslContext(tls.context()));
        this.http = builder.build();
    }

    /** Builds the process's Consul stack; make it once (LbsyncConfiguration) and pass it on. */
    public static ConsulClientFactory create(ConsulSettings settings) {
        return new ConsulClientFactory(settings);
    }

    public ConsulSettings settings() {
        return settings;
    }

    /**
     * A client for lbsync's own calls: lbsync's current token, the local agent (lbsync.consul.url), and
     * {@link ConsulSettings#readTimeout()} for calls that do not block (blocking reads get their own from their wait).
     */
    public ConsulClient client() {
        return new ConsulClient(http, settings.url(), settings.token()::current, settings.readTimeout());
    }

    /** The name prefix of this factory's executor threads ({@code lbsync-consul-http-<n>}). */
    String threadPrefix() {
        return threadPrefix;
    }

    @Override
    public void start() {
        // built ready to use
    }

    @Override
    public void stop() {
        close();
    }

    /** Stops the client's threads; calls still running fail. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
