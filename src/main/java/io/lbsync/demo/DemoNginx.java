package io.lbsync.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's nginx: prefix, config, pid file and error log under ./out ({@code nginx -p out/ -c out/nginx.conf -g
 * "daemon off;"}, so the master stays our child), started on a bootstrap config before lbsync runs; lbsync reloads it
 * with {@code nginx ... -s reload} and confirms each reload through the pid file. It serves the K/V site.
 */
final class DemoNginx implements AutoCloseable {
    private final String binary;
    private final Path out;
    private final Path config;
    private final Path pidFile;
    private final Path errorLog;
    private final DemoProcess process;

    private DemoNginx(String binary, Path out, DemoProcess process) {
        this.binary = binary;
        this.out = out;
        this.config = out.resolve("nginx.conf");
        this.pidFile = out.resolve("nginx.pid");
        this.errorLog = out.resolve("nginx-error.log");
        this.process = process;
    }

    /** Writes the bootstrap config and starts nginx listening on 127.0.0.1:{@code port}; returns once it accepts. */
    static DemoNginx start(String binary, Path out, int port) throws IOException {
        Path config = out.resolve("nginx.conf");
        Path pidFile = out.resolve("nginx.pid");
        Files.writeString(config, bootstrapConfig(pidFile, out.resolve("nginx-error.log"), port));
        DemoProcess p = DemoProcess.start("nginx", List.of(binary, "-p", out + "/", "-c", config.toString(), "-g", "daemon off;"),
                out, out.resolve("nginx.log"), Duration.ofSeconds(15), () -> accepts(port) && Files.exists(pidFile));
        return new DemoNginx(binary, out, p);
    }

    /** Stops an nginx an earlier demo in {@code out} left running (it would hold the site's port). */
    static void stopLeftover(Path out) {
        DemoProcess.stopLeftover("nginx", out.resolve("nginx.pid"), out.resolve("nginx.conf").toString());
    }

    /** Serves a 503 on the site's port until lbsync installs its first config. */
    static String bootstrapConfig(Path pidFile, Path errorLog, int port) {
        return """
                # Written by lbsync --demo to start nginx before lbsync's first install replaces it.
                worker_processes 1;
                pid %s;
                error_log %s;
                events {
                    worker_connections 64;
                }
                http {
                    access_log off;
                    server {
                        listen 127.0.0.1:%d;
                        return 503 "lbsync has not installed its config yet\\n";
                    }
                }
                """.formatted(pidFile, errorLog, port);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** lbsync's properties for this nginx: its file, pid file, error log, reload command, loopback listen address. */
    Map<String, String> overrides() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lbsync.nginx.enabled", "true");
        p.put("lbsync.nginx.output", config.toString());
        p.put("lbsync.nginx.param.pid", pidFile.toString());
        p.put("lbsync.nginx.param.error_log", errorLog.toString());
        p.put("lbsync.nginx.param.listen_address", "127.0.0.1");
        p.put("lbsync.nginx.pid-file", pidFile.toString());
        p.put("lbsync.nginx.reload-command", "'" + binary + "' -p '" + out + "/' -c '" + config + "' -s reload");
        return p;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.stop();
    }
}
