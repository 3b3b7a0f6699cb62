package io.lbsync.install;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * The files of one target: the live config, its staged successor (same directory, so the final rename is
 * atomic) and {@code <output>.bak}, the previous config kept for rollback. A reader of the live path always
 * sees a whole file, old or new, never a half-written one.
 */
public final class ConfigFiles {
    private final Path live;
    private final Path staged;
    private final Path backup;

    public ConfigFiles(Path live) {
        this.live = live.toAbsolutePath();
        this.staged = this.live.resolveSibling("." + this.live.getFileName() + ".lbsync-staged");
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

    public boolean sameAsLive(byte[] content) {
        try {
            return Files.isRegularFile(live) && Arrays.equals(Files.readAllBytes(live), content);
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes the candidate next to the live file, with the live file's permissions when it has one. */
    public Path stage(String content) {
        try {
            Files.createDirectories(live.getParent());
            Files.writeString(staged, content, StandardCharsets.UTF_8);
            if (Files.isRegularFile(live)) {
                try {
                    Files.setPosixFilePermissions(staged, Files.getPosixFilePermissions(live));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: keep the default permissions
                }
            }
            return staged;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + staged, e);
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
                atomicMove(tmp, backup);
            }
            atomicMove(staged, live);
            return hadPrevious;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + live, e);
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

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to + " cannot rename atomically; lbsync will not "
                    + "replace a live config non-atomically", e);
        }
    }
}
