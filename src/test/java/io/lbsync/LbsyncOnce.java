package io.lbsync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code lbsync --once} in this JVM with the given properties (written to {@code configFile}), within a time limit. */
public final class LbsyncOnce {
    private LbsyncOnce() {
    }

    /** The exit code; a run that does not end within {@code limit} fails the calling test with a TimeoutException. */
    public static int run(Map<String, String> properties, Path configFile, Duration limit) throws Exception {
        return run(properties, configFile, limit, RunMode.ONCE);
    }

    /** As {@link #run(Map, Path, Duration)}, in the given mode (--once or --dry). */
    public static int run(Map<String, String> properties, Path configFile, Duration limit, RunMode mode) throws Exception {
        StringBuilder text = new StringBuilder();
        properties.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(configFile, text);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return LbsyncMain.run(configFile.toString(), mode, false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).get(limit.toMillis(), TimeUnit.MILLISECONDS);
    }
}
