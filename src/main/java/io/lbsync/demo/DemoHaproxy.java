package io.lbsync.demo;

import io.lbsync.reload.MasterCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The demo's HAProxy: master-worker mode with a master socket ({@code haproxy -W -S out/haproxy-master.sock -p
 * out/haproxy.pid -f out/haproxy.cfg}), started on a bootstrap config before lbsync runs, so lbsync's first install
 * reloads a running HAProxy; afterwards membership changes go through the runtime API, without reloads.
 */
final class DemoHaproxy implements AutoCloseable {
    private static final Pattern WORKER = Pattern.compile("(?m)^\\d+\\s+worker\\s+");
    private final Path config;
    private final Path socket;
    private final int port;
    private final DemoProcess process;

    private DemoHaproxy(Path config, Path socket, int port, DemoProcess process) {
        this.config = config;
        this.socket = socket;
        this.port = port;
        this.process = process;
    }

    /** Writes the bootstrap config and starts HAProxy on 127.0.0.1:{@code port}; returns once a worker runs. */
    static DemoHaproxy start(String binary, Path out, int port) throws IOException {
        Path config = out.resolve("haproxy.cfg");
        Path socket = out.resolve("haproxy-master.sock");
        Path pidFile = out.resolve("haproxy.pid");
        Files.writeString(config, bootstrapConfig(port));
        Files.deleteIfExists(socket);
        MasterCli cli = new MasterCli(socket);
        DemoProcess p = DemoProcess.start("haproxy", List.of(binary, "-W", "-S", socket.toString(), "-p", pidFile.toString(),
                "-f", config.toString()), out, out.resolve("haproxy.log"), Duration.ofSeconds(15), () -> {
                    try {
                        return Files.exists(socket) && WORKER.matcher(cli.send("show proc")).find();
                    } catch (IOException notYet) {
                        return false;
                    }
                });
        return new DemoHaproxy(config, socket, port, p);
    }

    /** Stops an HAProxy an earlier demo in {@code out} left running (it would hold the port and the socket). */
    static void stopLeftover(Path out) {
        DemoProcess.stopLeftover("haproxy", out.resolve("haproxy.pid"), out.resolve("haproxy.cfg").toString());
    }

    /** Serves a 503 on the demo port until lbsync installs its first config. */
    static String bootstrapConfig(int port) {
        return """
                # Written by lbsync --demo to start HAProxy before lbsync's first install replaces it.
                global
                    maxconn 256
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend http
                    bind 127.0.0.1:%d
                    http-request return status 503 content-type text/plain string "lbsync has not installed its config yet"
                """.formatted(port);
    }

    /** lbsync's properties for this HAProxy: its file, its master socket, the runtime API, the demo's frontend port. */
    Map<String, String> overrides() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lbsync.haproxy.output", config.toString());
        p.put("lbsync.haproxy.master-socket", socket.toString());
        p.put("lbsync.haproxy.reload-command", "");
        p.put("lbsync.haproxy.runtime-api", "true");
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + port);
        return p;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.stop();
    }
}
