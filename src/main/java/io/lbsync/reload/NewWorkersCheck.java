package io.lbsync.reload;

import io.lbsync.command.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Confirms an nginx reload. {@code nginx -s reload} exits 0 as soon as the signal is sent, even when nginx then
 * refuses the new config (a listen port already in use, say) and keeps the old one; only new worker processes
 * under the master show that the new config was applied. Without a running master (no pid file) the command's
 * own result stands.
 */
public final class NewWorkersCheck {
    private final Path pidFile;
    private final Duration timeout;

    /** The master (if one runs) and its workers, noted before the reload command. */
    public record Workers(Optional<ProcessHandle> master, Set<Long> pids) {
    }

    public NewWorkersCheck(Path pidFile, Duration timeout) {
        this.pidFile = pidFile;
        this.timeout = timeout;
    }

    public Workers before() {
        Optional<ProcessHandle> master = master();
        return new Workers(master, master.map(NewWorkersCheck::workers).orElse(Set.of()));
    }

    /** The command's result, or a failure when the master started no new workers within the timeout. */
    public CommandResult judge(Workers before, CommandResult result) {
        if (!result.succeeded() || before.master().isEmpty()) {
            return result;
        }
        ProcessHandle master = before.master().get();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) {
                return new CommandResult(1, false, "the nginx master (pid " + master.pid() + ") exited");
            }
            if (workers(master).stream().anyMatch(pid -> !before.pids().contains(pid))) {
                return result;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new CommandResult(1, true, "nginx started no new workers: it kept its previous config (see its error log)");
    }

    private Optional<ProcessHandle> master() {
        try {
            String pid = Files.isRegularFile(pidFile) ? Files.readString(pidFile).trim() : "";
            return pid.matches("\\d+") ? ProcessHandle.of(Long.parseLong(pid)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Set<Long> workers(ProcessHandle master) {
        return master.children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    public String describe() {
        return "confirmed by new workers of the master in " + pidFile;
    }
}
