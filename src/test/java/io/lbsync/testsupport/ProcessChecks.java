package io.lbsync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Looks at processes a test's commands started, by PID (the commands write their PIDs to a file: {@code echo $$},
 * {@code echo $!}). Linux /proc based: "dead" is gone or a zombie; "reaped" is gone from /proc altogether.
 */
public final class ProcessChecks {
    private ProcessChecks() {
    }

    /** The PIDs in a file, one per line (missing file: none). */
    public static List<Long> pids(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().map(String::trim).filter(s -> !s.isEmpty())
                    .map(Long::parseLong).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** No longer running: not in /proc, or a zombie waiting to be reaped. */
    public static boolean dead(long pid) {
        String state = state(pid);
        return state == null || state.equals("Z");
    }

    /** Gone from the process table (reaped by its parent or by init). */
    public static boolean reaped(long pid) {
        return state(pid) == null;
    }

    /** Waits until every PID is reaped; false if one is still there after {@code timeout}. */
    public static boolean awaitReaped(List<Long> pids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pids.stream().allMatch(ProcessChecks::reaped)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Pause.millis(20);
        }
        return true;
    }

    /** The state letter of /proc/PID/stat (R, S, Z, ...), null when there is no such process. */
    public static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return stat.substring(end + 2, end + 3);
        } catch (IOException e) {
            return null;
        }
    }

    /** Kills a process a test left running (best effort). */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
