package io.lbsync.demo;

import io.lbsync.config.Durations;
import io.lbsync.config.Executables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --demo: the simulated Consul ({@link DemoScenario}) and, when lbsync runs as a service, real traffic: in-process
 * backends ({@link DemoBackends}), HAProxy ({@link DemoHaproxy}) and nginx ({@link DemoNginx}) when installed, each
 * started before lbsync so its first install reloads a running proxy. Once both proxies answer through lbsync's
 * configs it prints what to try ({@link DemoInstructions}) and starts the scenario's changes. Every process it
 * started is stopped when lbsync stops, on Ctrl-C / SIGTERM too (a shutdown hook, after Camel has stopped).
 * --once / --dry: the simulator only, as before.
 */
public final class Demo extends MainListenerSupport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
    static final int HAPROXY_PORT = 8080;
    static final int NGINX_PORT = 8081;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path out;
    private final boolean serveTraffic;
    private DemoBackends backends;
    private DemoScenario scenario;
    private DemoHaproxy haproxy;
    private DemoNginx nginx;
    private int sitePort = NGINX_PORT;
    private final List<String> skipped = new ArrayList<>();
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final Thread shutdownHook = new Thread(this::stopOnShutdown, "lbsync-demo-stop");
    private volatile CamelContext camel;
    private boolean processesStopped;

    private Demo(Path out, boolean serveTraffic) {
        this.out = out;
        this.serveTraffic = serveTraffic;
    }

    /**
     * Starts the demo before lbsync: the simulator, and with {@code serveTraffic} the backends and proxies.
     * Writes to ./out. Then add {@link #overrides()} to lbsync's properties and this as a main listener.
     */
    public static Demo start(boolean serveTraffic) throws IOException {
        Demo demo = new Demo(Path.of("out").toAbsolutePath(), serveTraffic);
        try {
            demo.startAll();
        } catch (IOException | RuntimeException e) {
            demo.close();
            throw e;
        }
        return demo;
    }

    private void startAll() throws IOException {
        Files.createDirectories(out);
        Optional<Path> haproxyBinary = Executables.find("haproxy");
        Optional<Path> nginxBinary = Executables.find("nginx");
        if (serveTraffic) {
            DemoHaproxy.stopLeftover(out); // before choosing ports: a leftover would hold them
            DemoNginx.stopLeftover(out);
            backends = DemoBackends.start(DemoScenario.INSTANCES);
            if (nginxBinary.isPresent()) {
                sitePort = LoopbackPorts.preferredOrFree(NGINX_PORT);
            }
            scenario = DemoScenario.start(backends::port, sitePort);
        } else {
            scenario = DemoScenario.start(DemoBackends::nominalPort, sitePort);
        }
        overrides.put("lbsync.consul.url", scenario.consulUrl());
        overrides.put("lbsync.demo", "true");
        if (!serveTraffic) {
            nginxBinary.ifPresent(n -> {
                // show the K/V side too; nginx's own files go next to the demo output, not to /run and /var/log
                overrides.put("lbsync.nginx.enabled", "true");
                overrides.put("lbsync.nginx.param.pid", out.resolve("nginx.pid").toString());
                overrides.put("lbsync.nginx.param.error_log", out.resolve("nginx-error.log").toString());
            });
            return;
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        if (haproxyBinary.isEmpty()) {
            skip("haproxy", "haproxy is not installed: lbsync renders out/haproxy.cfg without validating it, nothing serves it");
        } else {
            try {
                haproxy = DemoHaproxy.start(haproxyBinary.get().toString(), out, LoopbackPorts.preferredOrFree(HAPROXY_PORT));
                overrides.putAll(haproxy.overrides());
                LOG.info("event=demo-proxy-started proxy=haproxy pid={} url=http://127.0.0.1:{}/ master_socket={}", haproxy.pid(),
                        haproxy.port(), out.resolve("haproxy-master.sock"));
            } catch (IOException e) {
                LOG.warn("event=demo-proxy-failed proxy=haproxy error=\"{}\"", e.getMessage());
                skipped.add("HAProxy: could not start (see the log above and out/haproxy.log)");
            }
        }
        if (nginxBinary.isEmpty()) {
            skip("nginx", "nginx is not installed: lbsync does not render the K/V site");
        } else {
            try {
                nginx = DemoNginx.start(nginxBinary.get().toString(), out, sitePort);
                overrides.putAll(nginx.overrides());
                LOG.info("event=demo-proxy-started proxy=nginx pid={} url=http://127.0.0.1:{}/", nginx.pid(), sitePort);
            } catch (IOException e) {
                LOG.warn("event=demo-proxy-failed proxy=nginx error=\"{}\"", e.getMessage());
                skipped.add("nginx: could not start (see the log above and out/nginx.log)");
            }
        }
    }

    private void skip(String proxy, String reason) {
        LOG.info("event=demo-skipped proxy={} reason=\"{}\"", proxy, reason);
        skipped.add((proxy.equals("haproxy") ? "HAProxy" : proxy) + ": skipped, " + reason);
    }

    /** Properties lbsync must run with for this demo (override the operator's). */
    public Map<String, String> overrides() {
        return overrides;
    }

    public String consulUrl() {
        return scenario.consulUrl();
    }

    @Override
    public void afterStart(BaseMainSupport main) {
        camel = main.getCamelContext();
        Duration interval = Durations.parse("lbsync.demo.interval",
                camel.getPropertiesComponent().resolveProperty("lbsync.demo.interval").orElse("5s"));
        if (!serveTraffic) {
            scenario.startChanges(interval);
            return;
        }
        Thread ready = new Thread(() -> announceWhenServing(interval), "lbsync-demo-ready");
        ready.setDaemon(true);
        ready.start();
    }

    /** Waits until each started proxy answers through lbsync's config, prints what to try, then starts the changes. */
    private void announceWhenServing(Duration interval) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!serving() && System.nanoTime() < deadline && camel.getStatus().isStarted()) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
        if (!camel.getStatus().isStarted()) {
            return;
        }
        if (!serving()) {
            LOG.warn("event=demo-not-serving reason=\"the proxies did not answer 200 through lbsync's config within {} s\"",
                    READY_TIMEOUT.toSeconds());
        }
        var properties = camel.getPropertiesComponent();
        String statusUrl = "http://" + properties.resolveProperty("camel.server.host").orElse("127.0.0.1") + ":"
                + properties.resolveProperty("camel.server.port").orElse("8580");
        LOG.info("event=demo-ready haproxy={} nginx={} status={}/", haproxy == null ? "-" : "http://127.0.0.1:" + haproxy.port() + "/",
                nginx == null ? "-" : "http://127.0.0.1:" + sitePort + "/", statusUrl);
        System.out.print(new DemoInstructions(haproxy == null ? 0 : haproxy.port(), nginx == null ? 0 : sitePort, statusUrl,
                relative(out), interval, skipped).text());
        System.out.flush();
        scenario.startChanges(interval);
    }

    private boolean serving() {
        return (haproxy == null || DemoProbe.status(haproxy.port(), "web.demo.local", "/") == 200)
                && (nginx == null || DemoProbe.status(sitePort, "demo.local", "/") == 200);
    }

    private static String relative(Path dir) {
        Path cwd = Path.of("").toAbsolutePath();
        return dir.startsWith(cwd) ? cwd.relativize(dir).toString() : dir.toString();
    }

    /** Ctrl-C / SIGTERM: no more changes; once lbsync has stopped (it may be installing), stop the proxies. */
    private void stopOnShutdown() {
        if (scenario != null) {
            scenario.stopChanges();
        }
        CamelContext c = camel;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (c != null && !c.getStatus().isStopped() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                break;
            }
        }
        stopProcesses();
    }

    private synchronized void stopProcesses() {
        if (processesStopped) {
            return;
        }
        processesStopped = true;
        if (nginx != null) {
            nginx.close();
        }
        if (haproxy != null) {
            haproxy.close();
        }
    }

    /** Stops everything the demo started (after lbsync has stopped). */
    @Override
    public void close() {
        if (scenario != null) {
            scenario.stopChanges();
        }
        stopProcesses();
        if (backends != null) {
            backends.close();
        }
        if (scenario != null) {
            scenario.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
            // the hook is running (Ctrl-C) or was never added (--once)
        }
    }
}
