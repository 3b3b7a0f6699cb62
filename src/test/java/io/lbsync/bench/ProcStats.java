package io.lbsync.bench;

import io.lbsync.testsupport.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory and CPU of one process from Linux's /proc: VmRSS and VmHWM (kB), utime + stime (seconds). */
final class ProcStats {
    private static final double TICKS = clockTicks();

    private ProcStats() {
    }

    private static double clockTicks() {
        try {
            Commands.Result r = Commands.capture("getconf", "CLK_TCK");
            return r.exitCode() == 0 ? Double.parseDouble(r.output().trim()) : 100;
        } catch (RuntimeException e) {
            return 100;
        }
    }

    /** A field of /proc/PID/status in kB ("VmRSS", "VmHWM"), -1 when the process is gone. */
    static long statusKb(long pid, String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith(field + ":")) {
                    return Long.parseLong(l.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** User plus system CPU seconds the process used so far (its threads included), -1 when it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
