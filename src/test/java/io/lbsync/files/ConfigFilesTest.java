package io.lbsync.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.config.FileMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
    @TempDir
    Path dir;

    @Test
    void liveAndBackupFilesGetTheConfiguredMode() throws IOException {
        Path live = dir.resolve("haproxy.cfg");
        Files.writeString(live, "old\n");
        Files.setPosixFilePermissions(live, PosixFilePermissions.fromString("rw-rw-rw-"));
        ConfigFiles files = new ConfigFiles(live, FileMode.parse("p", "0640"));
        files.stage("new\n");
        files.swap();
        assertThat(Files.readString(live)).isEqualTo("new\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(live))).isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.backup()))).isEqualTo("rw-r-----");
    }

    /** A real full disk: a 64 KiB tmpfs (needs root, as CI has; skipped elsewhere). */
    @Test
    void aFullDiskLeavesTheLiveFileIntact() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small-disk"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString()) == 0,
                "cannot mount a tmpfs here (needs root)");
        try {
            Path live = mount.resolve("haproxy.cfg");
            String old = "x".repeat(24 * 1024);
            Files.writeString(live, old);
            ConfigFiles files = new ConfigFiles(live, FileMode.parse("p", "0644"));

            // staging does not fit
            assertThatThrownBy(() -> files.stage("y".repeat(100 * 1024))).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("live file unchanged");
            assertThat(Files.readString(live)).isEqualTo(old);
            assertThat(files.staged()).doesNotExist();

            // staging fits, keeping the backup does not
            files.stage("z".repeat(24 * 1024));
            assertThatThrownBy(files::swap).isInstanceOf(UncheckedIOException.class).hasMessageContaining("live file unchanged");
            assertThat(Files.readString(live)).isEqualTo(old);
        } finally {
            run("umount", mount.toString());
        }
    }

    private static int run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
