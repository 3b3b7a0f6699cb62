package io.lbsync.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end (at most 30 s) and returns its exit code; its output is printed when that is not 0. */
public final class Commands {
    private Commands() {
    }

    public static int run(String... command) throws IOException, InterruptedException {
        return exec(command).exitCode();
    }

    /** A finished command: exit code and output (stdout and stderr together). */
    public record Result(int exitCode, String output) {
    }

    /** Like {@link #run}, with the output; I/O and interruption become unchecked. */
    public static Result capture(String... command) {
        try {
            return exec(command);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(String.join(" ", command) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Result exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                System.out.println(String.join(" ", command) + " → " + p.exitValue() + ":\n" + text);
            }
            return new Result(p.exitValue(), text);
        }
    }
}
