package io.lbsync.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A watchdog process that {@link LocalConsul} starts beside its agents: when the test JVM is gone — also when it was
 * killed and its shutdown hooks never ran — it stops every agent whose PID file is in the cluster's directory (checked
 * against /proc/PID/cmdline, so a reused PID is never touched) and exits. Plain JDK, no dependencies.
 * <p>
 * Arguments: the test JVM's PID, the cluster's home directory (pids/ and conf/ below it).
 */
public final class ConsulReaper {
    private ConsulReaper() {
    }

    public static void main(String[] args) throws Exception {
        long jvm = Long.parseLong(args[0]);
        Path home = Path.of(args[1]);
        Optional<ProcessHandle> parent = ProcessHandle.of(jvm);
        if (parent.isPresent()) {
            parent.get().onExit().get();
        }
        stopAgents(home);
    }

    static void stopAgents(Path home) throws IOException {
        Path pids = home.resolve("pids");
        if (!Files.isDirectory(pids)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(pids)) {
            files = list.toList();
        }
        for (Path f : files) {
            long pid;
            try {
                pid = Long.parseLong(Files.readString(f).trim());
            } catch (IOException | NumberFormatException e) {
                continue;
            }
            ProcessHandle.of(pid).filter(h -> isAgentOf(h, home)).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(15, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
            Files.deleteIfExists(f);
        }
    }

    /** True when the process is a consul agent started with a config file of this cluster. */
    static boolean isAgentOf(ProcessHandle h, Path home) {
        try {
            String cmdline = Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"), StandardCharsets.UTF_8);
            return cmdline.contains(home.resolve("conf").toString());
        } catch (IOException e) {
            return false;
        }
    }
}
