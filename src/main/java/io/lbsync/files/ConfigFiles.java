package io.lbsync.files;

import io.lbsync.config.InstallMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The files of one target: the live config, its staged successor (same directory, so the final rename is
 * atomic) and {@code <output>.bak}, the previous config kept for rollback. How the staged bytes become the live
 * file is the target's {@link InstallMode}: {@code rename} (a reader of the live path always sees a whole file, old
 * or new) or {@code in-place} (the bytes go through the live file's own inode, for a single-file bind mount; not
 * atomic). Either way the staged file was validated first and the previous bytes are kept in .bak.
 */
public final class ConfigFiles {
    private final Path live;
    private final Path staged;
    private final Path backup;
    private final Set<PosixFilePermission> mode;
    private final InstallMode installMode;

    /** @param mode the permissions every installed file gets (the live file, unless rewritten in place, and its backup) */
    public ConfigFiles(Path live, Set<PosixFilePermission> mode, InstallMode installMode) {
        this(live, mode, installMode, live.toAbsolutePath().getParent());
    }

    /** @param stagingDir where the staged file is written: next to the live file, except for a dry run (a temp dir) */
    public ConfigFiles(Path live, Set<PosixFilePermission> mode, InstallMode installMode, Path stagingDir) {
        this.live = live.toAbsolutePath();
        this.mode = Set.copyOf(mode);
        this.installMode = installMode;
        this.staged = stagingDir.resolve("." + this.live.getFileName() + ".lbsync-staged");
        this.backup = this.live.resolveSibling(this.live.getFileName() + ".bak");
    }

    public Path live() {
        return live;
    }

    public Path staged() {
        return staged;
    }

    public Path backup() {
        return backup;
    }

    /**
     * The live file's bytes, empty when there is none or it cannot be read (the render is then installed: nothing
     * equal to compare with, and the diff is only informative).
     */
    public byte[] liveBytes() {
        try {
            return Files.isRegularFile(live) ? Files.readAllBytes(live) : new byte[0];
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /**
     * Writes the candidate next to the live file, with the configured permissions. A failed write (a full disk)
     * removes what it wrote and leaves the live file as it was.
     */
    public Path stage(String content) {
        try {
            Files.writeString(staged, content, StandardCharsets.UTF_8);
            permit(staged);
            return staged;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(staged);
            } catch (IOException ignored) {
                // the original failure is what matters
            }
            throw new UncheckedIOException("cannot write " + staged + " (live file unchanged): " + e.getMessage(), e);
        }
    }

    public void discardStaged() {
        try {
            Files.deleteIfExists(staged);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + staged, e);
        }
    }

    /**
     * Keeps the current live file as .bak, then puts the staged file's bytes into the live one ({@link #replaceLive}).
     *
     * @return whether there was a previous live file (and so a .bak to roll back to)
     */
    public boolean swap() {
        try {
            boolean hadPrevious = Files.isRegularFile(live);
            if (hadPrevious) {
                Path tmp = backup.resolveSibling("." + backup.getFileName() + ".tmp");
                Files.deleteIfExists(tmp);
                if (!linked(tmp)) {
                    Files.copy(live, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    permit(tmp);
                }
                atomicMove(tmp, backup);
            }
            replaceLive();
            return hadPrevious;
        } catch (LiveFileDamaged e) {
            throw new UncheckedIOException("cannot install " + live + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + live + " (live file unchanged): " + e.getMessage(), e);
        }
    }

    /**
     * The backup as a second name of the live file's inode, as consul-template keeps its .bak: no copy of a large config
     * on every install. Only when the install renames: written in place, the inode's bytes change, so it is copied.
     */
    private boolean linked(Path tmp) {
        if (installMode == InstallMode.IN_PLACE || !Files.isRegularFile(live, LinkOption.NOFOLLOW_LINKS)) {
            return false; // a symbolic link as the live path: copy what it points to, never link or chmod outside
        }
        try {
            Files.createLink(tmp, live);
            permit(tmp); // the old inode's last name will be the backup: the configured mode (the live path gets a new file)
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false; // a file system without hard links: copy
        }
    }

    /**
     * Undoes {@link #swap()}: puts .bak's bytes back into the live file (renamed or in place, as the install mode says),
     * or removes a first-ever install.
     */
    public void rollback(boolean hadPrevious) {
        try {
            if (!hadPrevious) {
                Files.deleteIfExists(live);
                return;
            }
            Files.copy(backup, staged, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            replaceLive();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore " + live + " from " + backup, e);
        }
    }

    /**
     * The staged file becomes the live config. {@code rename}: renamed over the live path (atomic; the path then names
     * the staged file's inode). {@code in-place}: its bytes are written into the live file's existing inode, which is
     * what a single file bind-mounted into a container keeps seeing; with no live file yet there is no inode to keep,
     * so a first install is the rename in both modes.
     */
    private void replaceLive() throws IOException {
        if (installMode == InstallMode.IN_PLACE && Files.isRegularFile(live)) {
            rewriteLive(Files.readAllBytes(staged));
            Files.delete(staged);
        } else {
            atomicMove(staged, live);
        }
    }

    /**
     * Writes {@code content} through the live file's inode, so its mode and owner stay. Not atomic: a reader at this
     * moment can see a mix of old and new bytes (the price of keeping the inode). To keep that window short and never
     * leave a reader an empty file, the file is not truncated first: the whole content is written from position 0,
     * then cut to its length and forced to disk. A failed write (full disk) writes the previous bytes back (they fit
     * where they were before).
     */
    private void rewriteLive(byte[] content) throws IOException {
        byte[] previous = Files.readAllBytes(live);
        try {
            writeThrough(live, content);
        } catch (IOException e) {
            try {
                writeThrough(live, previous);
            } catch (IOException again) {
                e.addSuppressed(again);
                throw new LiveFileDamaged("writing in place failed (" + e.getMessage() + ") and so did writing the "
                        + "previous bytes back (" + again.getMessage() + "): the live file may be incomplete", e);
            }
            throw e; // the live file has its previous bytes again
        }
    }

    private static void writeThrough(Path file, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            channel.truncate(content.length);
            channel.force(true);
        }
    }

    /** An in-place write that could not even put the previous bytes back: "live file unchanged" would be untrue. */
    private static final class LiveFileDamaged extends IOException {
        LiveFileDamaged(String message, IOException cause) {
            super(message, cause);
        }
    }

    private void permit(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, mode);
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default permissions
        }
    }

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to + " cannot rename atomically; lbsync will not "
                    + "replace a live config non-atomically", e);
        }
    }
}
