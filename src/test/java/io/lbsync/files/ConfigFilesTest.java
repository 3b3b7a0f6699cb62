package io.lbsync.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.config.FileMode;
import io.lbsync.config.InstallMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
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
        ConfigFiles files = new ConfigFiles(live, FileMode.parse("p", "0640"), InstallMode.RENAME);
        files.stage("new\n");
        files.swap();
        assertThat(Files.readString(live)).isEqualTo("new\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(live))).isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.backup()))).isEqualTo("rw-r-----");
    }

    @Test
    void aFullDiskLeavesTheLiveFileIntact() throws Exception {
        String old = "x".repeat(24 * 1024);
        onSmallDisk(old, InstallMode.RENAME, files -> {
            Path live = files.live();
            // staging does not fit
            assertThatThrownBy(() -> files.stage("y".repeat(100 * 1024))).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("live file unchanged");
            assertThat(Files.readString(live)).isEqualTo(old);
            assertThat(files.staged()).doesNotExist();

            // staging fits: the backup is a second name of the old file, it takes no room, so the install goes through
            files.stage("z".repeat(24 * 1024));
            files.swap();
            assertThat(Files.readString(live)).isEqualTo("z".repeat(24 * 1024));
            assertThat(Files.readString(files.backup())).isEqualTo(old);
        });
    }

    /** An in-place write that does not fit leaves the previous bytes in the live file. */
    @Test
    void aFullDiskDuringAnInPlaceWriteLeavesThePreviousConfig() throws Exception {
        String old = "x".repeat(12 * 1024);
        onSmallDisk(old, InstallMode.IN_PLACE, files -> {
            Path live = files.live();
            // the staged file (36 KiB) and the backup (12 KiB) fit; growing the live file to 36 KiB does not
            files.stage("z".repeat(36 * 1024));
            assertThatThrownBy(files::swap).isInstanceOf(UncheckedIOException.class).hasMessageContaining("live file unchanged");
            assertThat(Files.readString(live)).isEqualTo(old);
            assertThat(Files.readString(files.backup())).isEqualTo(old);
        });
    }

    private interface SmallDiskTest {
        void run(ConfigFiles files) throws Exception;
    }

    /** A real full disk: a live file holding {@code old} on a 64 KiB tmpfs (mounting it needs root, as .ci/run has). */
    private void onSmallDisk(String old, InstallMode installMode, SmallDiskTest test) throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small-disk"));
        assertThat(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString()))
                .as("mount a 64 KiB tmpfs for a real full disk (the tests run as root, as .ci/run does)").isZero();
        try {
            Path live = Files.writeString(mount.resolve("haproxy.cfg"), old);
            test.run(files(live, installMode));
        } finally {
            run("umount", mount.toString());
        }
    }

    /**
     * What a container sees of a single bind-mounted file: the inode the mount was made of. A hard link in another
     * directory and a channel opened before the install stand in for it: both hold that inode, not the path.
     */
    private record HeldInode(Path link, FileChannel channel) implements AutoCloseable {
        static HeldInode of(Path live) throws IOException {
            Path link = Files.createDirectories(live.resolveSibling("container")).resolve(live.getFileName());
            Files.createLink(link, live);
            return new HeldInode(link, FileChannel.open(live, StandardOpenOption.READ));
        }

        String throughLink() throws IOException {
            return Files.readString(link);
        }

        String throughChannel() throws IOException {
            ByteBuffer bytes = ByteBuffer.allocate((int) channel.size());
            while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) > 0) {
                // reads from position 0 until the file's current size
            }
            return new String(bytes.array(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The live file with the old config, installed by an earlier run (mode 0600, not the configured 0644). */
    private Path liveWith(String content) throws IOException {
        Path live = dir.resolve("haproxy.cfg");
        Files.writeString(live, content);
        Files.setPosixFilePermissions(live, PosixFilePermissions.fromString("rw-------"));
        return live;
    }

    private static ConfigFiles files(Path live, InstallMode installMode) {
        return new ConfigFiles(live, FileMode.parse("p", "0644"), installMode);
    }

    /** Stages {@code content} and installs it over the existing live file. */
    private static ConfigFiles installed(Path live, InstallMode installMode, String content) {
        ConfigFiles files = files(live, installMode);
        files.stage(content);
        assertThat(files.swap()).as("a previous live file, kept as .bak").isTrue();
        return files;
    }

    @Test
    void inPlaceWritesTheNewConfigIntoTheInodeABindMountHolds() throws IOException {
        Path live = liveWith("old config, longer than the new one\n");
        Object inode = Files.getAttribute(live, "unix:ino");
        try (HeldInode held = HeldInode.of(live)) {
            ConfigFiles files = installed(live, InstallMode.IN_PLACE, "new\n");

            assertThat(held.throughLink()).isEqualTo("new\n");
            assertThat(held.throughChannel()).as("cut to the new length").isEqualTo("new\n");
            assertThat(Files.readString(live)).isEqualTo("new\n");
            assertThat(Files.getAttribute(live, "unix:ino")).isEqualTo(inode);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(live))).as("the inode's own mode")
                    .isEqualTo("rw-------");
            assertThat(Files.readString(files.backup())).isEqualTo("old config, longer than the new one\n");
            assertThat(files.staged()).doesNotExist();
        }
    }

    @Test
    void renameLeavesTheInodeABindMountHoldsWithTheOldConfig() throws IOException {
        Path live = liveWith("old\n");
        try (HeldInode held = HeldInode.of(live)) {
            installed(live, InstallMode.RENAME, "new\n");

            assertThat(Files.readString(live)).isEqualTo("new\n");
            assertThat(held.throughLink()).as("what the container would still see").isEqualTo("old\n");
            assertThat(held.throughChannel()).isEqualTo("old\n");
        }
    }

    @Test
    void anInPlaceRollbackPutsThePreviousBytesBackIntoTheSameInode() throws IOException {
        Path live = liveWith("old\n");
        try (HeldInode held = HeldInode.of(live)) {
            ConfigFiles files = installed(live, InstallMode.IN_PLACE, "a new config, longer than the old one\n");
            assertThat(held.throughLink()).isEqualTo("a new config, longer than the old one\n");

            files.rollback(true);
            assertThat(held.throughLink()).isEqualTo("old\n");
            assertThat(held.throughChannel()).isEqualTo("old\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(live))).isEqualTo("rw-------");
            assertThat(files.staged()).doesNotExist();
        }
    }

    @Test
    void aFirstInPlaceInstallCreatesTheFile() throws IOException {
        Path live = dir.resolve("haproxy.cfg");
        ConfigFiles files = files(live, InstallMode.IN_PLACE);
        files.stage("first\n");
        assertThat(files.swap()).as("no previous file").isFalse();
        assertThat(Files.readString(live)).isEqualTo("first\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(live))).isEqualTo("rw-r--r--");
        assertThat(files.backup()).doesNotExist();
    }

    private static int run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
