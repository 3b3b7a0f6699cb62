package io.lbsync.testsupport;

import io.lbsync.LbsyncMain;
import io.lbsync.install.ConfigTarget;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real lbsync (bundled application.properties, the YAML routes in ./routes, all beans) running inside the
 * test JVM, with properties overridden per test. Close it to stop every route.
 */
public final class LbsyncApp implements AutoCloseable {
    private final Main main;
    private final Thread thread;

    private LbsyncApp(Main main, Thread thread) {
        this.main = main;
        this.thread = thread;
    }

    public static LbsyncApp start(Map<String, String> properties) {
        Main main = LbsyncMain.newMain("target/no-operator-file.properties");
        properties.forEach(main::addOverrideProperty);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                main.run();
            } catch (Exception e) {
                failure.set(e);
            }
        }, "lbsync-under-test");
        thread.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (failure.get() != null) {
                throw new IllegalStateException("lbsync failed to start", failure.get());
            }
            CamelContext camel = main.getCamelContext();
            if (camel != null && camel.isStarted()) {
                return new LbsyncApp(main, thread);
            }
            Pause.millis(20);
        }
        throw new IllegalStateException("lbsync did not start within 30s");
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    /** GET on lbsync's own HTTP server (lbsync.http.port), e.g. "/cleanup/report". */
    public ConsulHttp.Response httpGet(String path) {
        return http("GET", path, null);
    }

    /** A request to lbsync's own HTTP server, without token. */
    public ConsulHttp.Response http(String method, String path, String body) {
        return http(method, path, body, null);
    }

    /** A request to lbsync's own HTTP server; {@code token} (may be null) goes in X-Consul-Token. */
    public ConsulHttp.Response http(String method, String path, String body, String token) {
        String port = camel().getPropertiesComponent().resolveProperty("lbsync.http.port").orElseThrow();
        return ConsulHttp.plain().withToken(token).send(method, "http://127.0.0.1:" + port + path, body, Duration.ofSeconds(30));
    }

    public ConfigTarget target(String name) {
        return camel().getRegistry().lookupByNameAndType(name, ConfigTarget.class);
    }

    @Override
    public void close() throws InterruptedException {
        main.completed();
        thread.join(30_000);
    }
}
