package io.lbsync.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The files of one target: the live config, its staged successor (same directory, so the final rename is
 * atomic) and {@code <output>.bak}, the previous config kept for rollback. A reader of the live path always
 * sees a whole file, old or new, never a half-written one.
 */
public final class ConfigFiles {
    private final Path live;
    private final Path staged;
    private final Path backup;
    private final Set<PosixFilePermission> mode;

    /** @param mode the permissions every installed file gets (the live file and its backup) */
    public ConfigFiles(Path live, Set<PosixFilePermission> mode) {
        this(live, mode, live.toAbsolutePath().getParent());
    }

    /** @param stagingDir where the staged file is written: next to the live file, except for a dry run (a temp dir) */
    public ConfigFiles(Path live, Set<PosixFilePermission> mode, Path stagingDir) {
        this.live = live.toAbsolutePath();
        this.mode = Set.copyOf(mode);
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
     * Keeps the current live file as .bak, then atomically renames the staged file over the live one.
     *
     * @return whether there was a previous live file (and so a .bak to roll back to)
     */
    public boolean swap() {
        try {
            boolean hadPrevious = Files.isRegularFile(live);
            if (hadPrevious) {
                Path tmp = backup.resolveSibling("." + backup.getFileName() + ".tmp");
                Files.copy(live, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                permit(tmp);
                atomicMove(tmp, backup);
            }
            atomicMove(staged, live);
            return hadPrevious;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + live + " (live file unchanged): " + e.getMessage(), e);
        }
    }

    /** Undoes {@link #swap()}: puts .bak back as the live file (atomically), or removes a first-ever install. */
    public void rollback(boolean hadPrevious) {
        try {
            if (!hadPrevious) {
                Files.deleteIfExists(live);
                return;
            }
            Files.copy(backup, staged, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            atomicMove(staged, live);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore " + live + " from " + backup, e);
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
