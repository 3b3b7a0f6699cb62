package io.lbsync.karaf;

import io.lbsync.LbsyncMain;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.camel.main.Main;
import org.apache.camel.main.SimpleMainShutdownStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs lbsync's camel-main ({@link LbsyncMain#newMain}) on its own thread inside Karaf, with the properties of the
 * ConfigAdmin PID {@code lbsync} as overrides. One run at a time: a new configuration stops the running one first.
 */
final class KarafRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KarafRunner.class);
    /** The property naming an application.properties file read below the PID's own properties (optional). */
    static final String CONFIG_FILE = "lbsync.config";
    /** How long a stop may take before the bundle gives up waiting (Camel's own graceful shutdown is shorter). */
    private static final long STOP_WAIT_MS = 60_000;
    /** Keys ConfigAdmin and Karaf's fileinstall add to every configuration: not lbsync properties. */
    private static final Set<String> NOT_PROPERTIES = Set.of("service.pid", "service.factoryPid", "service.bundleLocation",
            "felix.fileinstall.filename", "component.name", "component.id");

    private final ClassLoader bundleLoader;
    private Main main;
    private Thread thread;
    private boolean closed;

    KarafRunner(ClassLoader bundleLoader) {
        this.bundleLoader = bundleLoader;
    }

    /** ConfigAdmin's update: null = no etc/lbsync.cfg (lbsync waits for it), else (re)start with these properties. */
    synchronized void configure(Dictionary<String, ?> config) {
        if (closed) {
            return;
        }
        stopRun();
        if (config == null) {
            LOG.info("event=karaf-waiting reason=\"no configuration for PID lbsync: create etc/lbsync.cfg\"");
            return;
        }
        Map<String, String> properties = properties(config);
        String file = properties.getOrDefault(CONFIG_FILE, "");
        Main m = LbsyncMain.newMain(file.isBlank() ? "/nonexistent/lbsync-application.properties" : file);
        // no JVM shutdown hook (the hangup interceptor): it would outlive the bundle and pin its class loader
        m.setShutdownStrategy(new SimpleMainShutdownStrategy());
        properties.forEach(m::addOverrideProperty);
        Thread t = new Thread(() -> run(m), "lbsync-karaf-main");
        t.setContextClassLoader(bundleLoader); // Camel's FactoryFinder and ServiceLoader look through the TCCL
        main = m;
        thread = t;
        LOG.info("event=karaf-starting properties={} config_file={}", properties.size(), file.isBlank() ? "-" : file);
        t.start();
    }

    private static void run(Main m) {
        try {
            m.run();
        } catch (Throwable e) {
            LOG.error("event=karaf-run-failed error=\"{}\"", e.toString(), e);
        }
    }

    static Map<String, String> properties(Dictionary<String, ?> config) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Enumeration<String> keys = config.keys(); keys.hasMoreElements(); ) {
            String key = keys.nextElement();
            Object value = config.get(key);
            if (!NOT_PROPERTIES.contains(key) && value != null) {
                out.put(key, String.valueOf(value).trim());
            }
        }
        return out;
    }

    private void stopRun() {
        Main m = main;
        Thread t = thread;
        main = null;
        thread = null;
        if (m == null) {
            return;
        }
        LOG.info("event=karaf-stopping");
        m.completed();
        try {
            t.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("event=karaf-stop-timeout thread={} waited_ms={}", t.getName(), STOP_WAIT_MS);
        } else {
            LOG.info("event=karaf-stopped");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        stopRun();
    }
}
