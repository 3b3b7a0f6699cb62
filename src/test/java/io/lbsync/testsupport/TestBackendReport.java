package io.lbsync.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Records which Consul the tests of this JVM used, one line each, in {@code <lbsync.test.report-dir>/consul-used.txt}
 * prefixed by the test phase ({@code lbsync.test.phase}); {@code .ci/run} prints the file.
 */
public final class TestBackendReport {
    private static final Set<String> RECORDED = new LinkedHashSet<>();

    private TestBackendReport() {
    }

    public static synchronized void record(String line) {
        if (!RECORDED.add(line)) {
            return;
        }
        String dir = System.getProperty("lbsync.test.report-dir");
        if (dir == null) {
            return;
        }
        String text = System.getProperty("lbsync.test.phase", "tests") + ": " + line + "\n";
        try {
            Files.createDirectories(Path.of(dir));
            Files.writeString(Path.of(dir, "consul-used.txt"), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot record the Consul used: " + e);
        }
    }
}
