package io.lbsync.testsupport;

import io.lbsync.reload.MasterCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HAProxy 2.6 in master-worker mode ({@code haproxy -W -S <socket> -f <config>}) for integration tests:
 * started on a given config, read through its master CLI, stopped with every process it forked.
 */
public final class HaproxyMasterWorker implements AutoCloseable {
    public static final String HAPROXY = "/usr/sbin/haproxy";
    /** The master line of "show proc" in HAProxy 2.6: "<pid> master <reloads> [failed: <n>] ...". */
    private static final Pattern MASTER_LINE = Pattern.compile("(?m)^(\\d+)\\s+master\\s+(\\d+)\\s+\\[failed:\\s*(\\d+)\\]");
    private static final Pattern WORKER_LINE = Pattern.compile("(?m)^(\\d+)\\s+worker\\s+(\\d+)");

    private final Process process;
    private final Path masterSocket;
    private final Path log;
    private final List<ProcessHandle> processes = new ArrayList<>();

    private HaproxyMasterWorker(Process process, Path masterSocket, Path log) {
        this.process = process;
        this.masterSocket = masterSocket;
        this.log = log;
        processes.add(process.toHandle());
    }

    /**
     * A minimal valid config to start HAProxy on before lbsync takes over: one frontend on 127.0.0.1:{@code bindPort}
     * answering every request with 404 "initial config".
     */
    public static String initialConfig(int bindPort) {
        return """
                global
                    maxconn 256
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend http
                    bind 127.0.0.1:%d
                    http-request return status 404 content-type text/plain string "initial config"
                """.formatted(bindPort);
    }

    /** Starts HAProxy on {@code config} and returns once its master socket answers and a worker runs. */
    public static HaproxyMasterWorker start(Path config, Path masterSocket) throws IOException {
        Path dir = config.toAbsolutePath().getParent();
        Path log = dir.resolve("haproxy.log");
        Process p = new ProcessBuilder(HAPROXY, "-W", "-S", masterSocket.toString(), "-f", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly)); // in case the JVM is killed mid-test
        HaproxyMasterWorker h = new HaproxyMasterWorker(p, masterSocket, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("haproxy exited: " + h.log());
            }
            try {
                if (Files.exists(masterSocket) && !h.workers().isEmpty()) {
                    return h;
                }
            } catch (IOException | RuntimeException notYet) {
                // the master is still starting
            }
            if (System.nanoTime() > deadline) {
                h.close();
                throw new IllegalStateException("haproxy master socket did not answer: " + h.log());
            }
            Pause.millis(20);
        }
    }

    public record Counters(long masterPid, int reloads, int failed) {
    }

    public Counters counters() throws IOException {
        String out = cli("show proc");
        Matcher m = MASTER_LINE.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected 'show proc' answer: " + out);
        }
        return new Counters(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** PIDs of the current workers (newest first, as "show proc" lists them). */
    public List<Long> workers() throws IOException {
        String out = cli("show proc");
        String current = out.contains("# old workers") ? out.substring(0, out.indexOf("# old workers")) : out;
        List<Long> pids = new ArrayList<>();
        Matcher m = WORKER_LINE.matcher(current);
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }

    /**
     * A command on the master CLI; "@1 show servers state" reaches the current worker. While the master
     * re-executes itself for a reload its socket refuses connections for a moment: retried for up to 2 s.
     */
    public String cli(String command) throws IOException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            try {
                return new MasterCli(masterSocket).send(command);
            } catch (java.net.SocketException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Pause.millis(20);
            }
        }
    }

    /** One server of the current worker, from "show servers state": backend, addr:port, weight. */
    public record LiveServer(String backend, String endpoint, int weight) {
    }

    /** The current worker's servers that are not in maintenance (srv_admin_state without the forced-maint bit). */
    public List<LiveServer> servingServers(String backend) throws IOException {
        List<LiveServer> out = new ArrayList<>();
        for (String line : cli("@1 show servers state" + (backend.isEmpty() ? "" : " " + backend)).split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 19 && !f[0].startsWith("#") && (Integer.parseInt(f[6]) & 1) == 0) {
                out.add(new LiveServer(f[1], f[4] + ":" + f[18], Integer.parseInt(f[7])));
            }
        }
        return out;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** {@code haproxy -c -f <file>}: the exit code (the output is printed when it is not 0). */
    public static int check(Path config) throws IOException, InterruptedException {
        return Commands.run(HAPROXY, "-c", "-f", config.toString());
    }

    /** SIGTERM to the master (it stops its workers); then no process of ours may be left. */
    @Override
    public void close() {
        process.descendants().forEach(processes::add);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Pause.millis(20);
        }
        System.out.println("---- haproxy output ----\n" + log() + "------------------------");
        List<Long> left = processes.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
        if (!left.isEmpty()) {
            throw new IllegalStateException("haproxy processes left running: " + left);
        }
    }
}
