package io.lbsync.consulsim;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;

/**
 * One agent's HTTP listener. Remembers its port so a restart binds the same one, as a restarted Consul does.
 * Uses a shared unbounded executor: every blocking query holds a thread, and they must not starve each other.
 */
final class AgentHttpServer {
    static {
        // Like Consul, answer without Nagle's delay (the JDK server otherwise adds ~40 ms per small answer).
        // Read once per JVM by the JDK, so it only helps when no HttpServer was created before.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final LocalAgent agent;
    private final HttpDispatcher dispatcher;
    private final String bindAddress;
    private final ExecutorService executor;
    /** Null = plain http; else https like an agent with a tls certificate (and verify_incoming when clientAuth). */
    private final Tls tls;
    private int port;
    private HttpServer server;

    AgentHttpServer(LocalAgent agent, HttpDispatcher dispatcher, String bindAddress, int port, ExecutorService executor, Tls tls) {
        this.agent = agent;
        this.tls = tls;
        this.dispatcher = dispatcher;
        this.bindAddress = bindAddress;
        this.port = port;
        this.executor = executor;
    }

    synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            HttpServer s = tls == null ? HttpServer.create(new InetSocketAddress(bindAddress, port), 1024) : httpsServer();
            s.createContext("/", exchange -> dispatcher.handle(exchange, agent));
            s.setExecutor(executor);
            s.start();
            port = s.getAddress().getPort();
            server = s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress + ":" + port, e);
        }
    }

    private HttpsServer httpsServer() throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(bindAddress, port), 1024);
        s.setHttpsConfigurator(new HttpsConfigurator(tls.context()) {
            @Override
            public void configure(HttpsParameters params) {
                javax.net.ssl.SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setNeedClientAuth(tls.verifyIncoming());
                params.setSSLParameters(ssl);
            }
        });
        return s;
    }

    /** Closes the listener and every open connection at once. */
    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    synchronized int port() {
        return port;
    }

    /** The agent's certificate and key (in {@code context}); {@code verifyIncoming}: clients must show a certificate. */
    record Tls(javax.net.ssl.SSLContext context, boolean verifyIncoming) {
    }

    String url() {
        String host = bindAddress.contains(":") ? "[" + bindAddress + "]" : bindAddress;
        return (tls == null ? "http://" : "https://") + host + ":" + port();
    }
}
