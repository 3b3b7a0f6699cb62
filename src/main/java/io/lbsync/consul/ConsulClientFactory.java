package io.lbsync.consul;

import io.lbsync.DaemonThreads;
import io.lbsync.config.ConsulSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * Which agent of lbsync.consul.url the clients' local calls go to is decided by the factory's one {@link ConsulAgents}
 * (failover to the next agent, back to the preferred one when it answers again).
 * <p>
 * Plain-http factories share one JVM-wide HttpClient and every factory shares one fixed executor: a context that is
 * stopped and started again (Karaf, tests) reuses the idle connections of the one before instead of leaving them open
 * next to its own (JDK 17's HttpClient cannot be closed; its idle connections would count against Consul's per-client
 * limit until its keep-alive ran out). An https factory has its own client (its own TLS context), shut down on close
 * where the JDK can (21+), else left to the garbage collector.
 * <p>
 * A Camel {@link Service}: added to the context, it is closed when the context stops.
 */
public final class ConsulClientFactory implements Service, AutoCloseable {
    /** Connect timeout of every Consul connection. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Threads of the executor every Consul HttpClient of the JVM completes its exchanges on (short, non-blocking tasks;
     * the callers block in {@code send}). With one selector thread per HttpClient, the Consul stack costs 1 + this many
     * threads, however many calls, token rotations or context restarts.
     */
    static final int THREADS = 2;
    static final String THREAD_PREFIX = "lbsync-consul-http";
    private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(THREADS, DaemonThreads.named(THREAD_PREFIX));
    private static HttpClient sharedPlain;

    private final ConsulSettings settings;
    private final HttpClient http;
    private final boolean own;
    private final ConsulAgents agents;

    private ConsulClientFactory(ConsulSettings settings) {
        this.settings = settings;
        this.own = settings.tls().isPresent() || settings.urls().stream().anyMatch(u -> "https".equals(u.getScheme()));
        this.http = own ? build(settings) : sharedPlain();
        this.agents = new ConsulAgents(settings.urls(), agent -> answersWithLeader(client().withTimeout(ConsulAgents.PROBE_TIMEOUT), agent));
    }

    /** The probe of the preferred agent: {@code GET /v1/status/leader} answers 200 with a leader's address. */
    private static boolean answersWithLeader(ConsulClient probe, URI agent) {
        try {
            ConsulResponse r = probe.get(agent, "/v1/status/leader");
            return r.ok() && !r.body().replace("\"", "").isBlank();
        } catch (ConsulUnreachableException e) {
            return false;
        }
    }

    private static synchronized HttpClient sharedPlain() {
        if (sharedPlain == null) {
            sharedPlain = build(null);
        }
        return sharedPlain;
    }

    private static HttpClient build(ConsulSettings tlsSettings) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(EXECUTOR);
        if (tlsSettings == null) {
            // plain http only: an SSLContext that is never initialised, so the JDK does not load its TLS stack and
            // parse the CA bundle (~260 classes, a few MB) for a client that never does a handshake
            try {
                builder.sslContext(javax.net.ssl.SSLContext.getInstance("TLS")).sslParameters(new javax.net.ssl.SSLParameters());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("no TLS in this JVM", e);
            }
        } else {
            tlsSettings.tls().ifPresent(tls -> builder.sslContext(tls.context()));
        }
        return builder.build();
    }

    /** Builds the process's Consul stack; make it once (LbsyncConfiguration) and pass it on. */
    public static ConsulClientFactory create(ConsulSettings settings) {
        return new ConsulClientFactory(settings);
    }

    public ConsulSettings settings() {
        return settings;
    }

    /** Which agent of lbsync.consul.url is current; shared by every client of this factory. */
    public ConsulAgents agents() {
        return agents;
    }

    /**
     * A client for lbsync's own calls: lbsync's current token, the local agent (the current one of lbsync.consul.url),
     * and {@link ConsulSettings#readTimeout()} for calls that do not block (blocking reads get their own from their wait).
     */
    public ConsulClient client() {
        return new ConsulClient(http, agents, settings.token()::current, settings.readTimeout());
    }

    @Override
    public void start() {
        // built ready to use
    }

    @Override
    public void stop() {
        close();
    }

    /**
     * The probe of the preferred agent stops. An https factory's own client is shut down (JDK 21+: {@code HttpClient.shutdownNow()}, calls still running
     * fail); the shared plain-http client and the executor stay for the next context of this JVM.
     */
    @Override
    public void close() {
        agents.close();
        if (own) {
            try {
                HttpClient.class.getMethod("shutdownNow").invoke(http);
            } catch (ReflectiveOperationException e) {
                // JDK 17: no way to close it; its selector thread ends and its connections close once it is collected
            }
        }
    }
}
