package io.lbsync.config;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a command's binary the way exec would, so a missing one is reported at start-up, not at 3 a.m. */
public final class Executables {
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Executables() {
    }

    /** An executable regular file: {@code command} itself when it contains a '/', else the first match in {@link #searchPath()}. */
    public static Optional<Path> find(String command) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            return runnable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : searchPath().split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (runnable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The directories a bare command name is looked up in: PATH, or the usual system directories without one. */
    public static String searchPath() {
        return System.getenv().getOrDefault("PATH", DEFAULT_PATH);
    }

    private static boolean runnable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p); // a directory has the x bit too
    }
}
