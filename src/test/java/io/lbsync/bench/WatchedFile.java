package io.lbsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A rendered file as a set of lines, read again only when its inode, size or modification time changed (both tools
 * install by writing a new file and renaming it over the old one), so that polling it every millisecond stays cheap
 * even at thousands of lines.
 */
final class WatchedFile {
    private final Path path;
    private Object key;
    private long size = -1;
    private long mtimeNanos;
    private Set<String> lines = Set.of();
    private long reads;

    WatchedFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** The current lines (an empty set while the file does not exist). */
    Set<String> lines() {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            long m = a.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L + a.lastModifiedTime().toInstant().getNano();
            if (Objects.equals(a.fileKey(), key) && a.size() == size && m == mtimeNanos) {
                return lines;
            }
            String text = Files.readString(path);
            Set<String> s = new HashSet<>();
            text.lines().forEach(s::add);
            key = a.fileKey();
            size = a.size();
            mtimeNanos = m;
            lines = s;
            reads++;
            return lines;
        } catch (NoSuchFileException e) {
            key = null;
            size = -1;
            lines = Set.of();
            return lines;
        } catch (IOException e) {
            // replaced while being read: the next poll reads it again
            size = -1;
            return lines;
        }
    }

    long reads() {
        return reads;
    }
}
