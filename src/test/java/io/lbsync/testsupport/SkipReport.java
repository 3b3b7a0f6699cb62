package io.lbsync.testsupport;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes every skipped or aborted test with its reason to {@code <lbsync.test.report-dir>/skipped.txt}, so that a
 * test run says why each test did not run ({@code .ci/run} prints the file). Registered through
 * META-INF/services for both surefire and failsafe.
 */
public final class SkipReport implements TestExecutionListener {
    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        write(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            write(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static synchronized void write(TestIdentifier test, String reason) {
        String dir = System.getProperty("lbsync.test.report-dir");
        if (dir == null) {
            return;
        }
        String name = test.getLegacyReportingName();
        String where = test.getUniqueId().replaceAll(".*\\[class:([^\\]]+)\\].*", "$1").replaceAll(".*\\.", "");
        String line = System.getProperty("lbsync.test.phase", "tests") + ": " + where + (where.equals(name) ? "" : " " + name)
                + ": " + reason + "\n";
        try {
            Files.createDirectories(Path.of(dir));
            Files.writeString(Path.of(dir, "skipped.txt"), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot record a skipped test: " + e);
        }
    }
}
