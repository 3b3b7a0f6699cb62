package io.lbsync.render;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real HAProxy and nginx checkers on a config file, the way lbsync's validate step does ({@code haproxy -c},
 * {@code nginx -t}), without a shell. Each runs in a network namespace of its own ({@code unshare -rn}): a config
 * naming a server by DNS name makes the checker resolve it, and hostile input must not make a test send DNS queries
 * to the machine's resolver; nginx -t also binds every listen address, which in a private namespace neither
 * needs free ports nor disturbs anything.
 */
final class ConfigCheckers {
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private ConfigCheckers() {
    }

    private static volatile Boolean isolation;

    /** Whether checkers can run isolated here (unshare and user/network namespaces are available). */
    static boolean isolationAvailable() {
        if (isolation == null) {
            try {
                isolation = run(List.of("unshare", "-rn", "true")).ok();
            } catch (IllegalStateException e) {
                isolation = false;
            }
        }
        return isolation;
    }

    /** haproxy -c; isolated when possible (see the class comment), else directly (then give it no DNS names). */
    static Result haproxy(Path config) {
        return run(isolated("haproxy", "-c", "-q", "-f", config.toString()));
    }

    /**
     * nginx -t with -p: the prefix (temp paths) in the test's directory; pid and error_log come from the config.
     * Isolated when possible, else directly (then give it no DNS names and free listen ports).
     */
    static Result nginx(Path config, Path prefix) {
        return run(isolated("nginx", "-t", "-q", "-p", prefix.toString() + "/", "-c", config.toString()));
    }

    private static List<String> isolated(String... command) {
        List<String> c = new ArrayList<>();
        if (isolationAvailable()) {
            c.addAll(List.of("unshare", "-rn"));
        }
        c.addAll(List.of(command));
        return c;
    }

    static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
