package io.lbsync.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy process the demo started (HAProxy's master, nginx's master), its output in a file under ./out. Started from
 * an argument list (no shell), in the foreground so it stays our child; stopped with every process it forked.
 */
final class DemoProcess {
    private static final Logger LOG = LoggerFactory.getLogger(DemoProcess.class);
    private final String name;
    private final Process process;
    private final Path log;
    private final List<ProcessHandle> seen = new ArrayList<>();
    private boolean stopped;

    private DemoProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        seen.add(process.toHandle());
    }

    /** Starts {@code command} in {@code dir}, stdout and stderr to {@code log}, and waits until {@code ready} (or fails). */
    static DemoProcess start(String name, List<String> command, Path dir, Path log, Duration timeout, BooleanSupplier ready)
            throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        DemoProcess d = new DemoProcess(name, p, log);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!p.isAlive()) {
                d.stop();
                throw new IOException(name + " exited with code " + p.exitValue() + ": " + d.output());
            }
            boolean up;
            try {
                up = ready.getAsBoolean();
            } catch (RuntimeException notYet) {
                up = false;
            }
            if (up) {
                return d;
            }
            if (System.nanoTime() > deadline) {
                d.stop();
                throw new IOException(name + " did not come up within " + timeout.toSeconds() + " s: " + d.output());
            }
            pause(50);
        }
    }

    /**
     * A process an earlier demo left behind (the JVM was killed, so its shutdown hook did not run): the PID in
     * {@code pidFile}, if that process is still running with {@code marker} (our config path) on its command line.
     */
    static void stopLeftover(String name, Path pidFile, String marker) {
        Optional<ProcessHandle> left = readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(h -> commandLine(h.pid()).contains(marker));
        if (left.isPresent()) {
            ProcessHandle h = left.get();
            List<ProcessHandle> all = new ArrayList<>(h.descendants().toList());
            all.add(h);
            LOG.info("event=demo-leftover-stopped process={} pid={} reason=\"started by an earlier demo that did not stop it\"",
                    name, h.pid());
            h.destroy();
            awaitGone(all, Duration.ofSeconds(5));
            all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            awaitGone(all, Duration.ofSeconds(5));
        }
    }

    /**
     * /proc/PID/cmdline with spaces for the NULs ("" elsewhere). Not ProcessHandle.Info: nginx rewrites its title
     * ("nginx: master process nginx -p ..."), and Java then reports only the executable.
     */
    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            return Files.isRegularFile(pidFile) ? Optional.of(Long.parseLong(Files.readString(pidFile).trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM to the master (HAProxy and nginx then stop their workers), SIGKILL to whatever is left after 5 s. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        process.descendants().forEach(seen::add);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                LOG.warn("event=demo-process-killed process={} pid={} reason=\"still running 5 s after SIGTERM\"", name, process.pid());
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        seen.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitGone(seen, Duration.ofSeconds(5));
        List<Long> left = seen.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
        if (left.isEmpty()) {
            LOG.info("event=demo-process-stopped process={} pid={}", name, process.pid());
        } else {
            LOG.error("event=demo-process-left process={} pids={}", name, left);
        }
    }

    /** The last lines of the process's output, for an error message. */
    String output() {
        try {
            String text = Files.exists(log) ? Files.readString(log).strip() : "";
            return text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(" + log + ": " + e.getMessage() + ")";
        }
    }

    private static void awaitGone(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            pause(20);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
