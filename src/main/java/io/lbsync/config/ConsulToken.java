package io.lbsync.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ACL token: lbsync.consul.token, or the content of lbsync.consul.token-file — re-read whenever the file
 * changes, so a rotated token is picked up without a restart. A file that turns empty or unreadable keeps the
 * last good token (and says so in the log). The token itself is never in a message, log line or toString.
 */
public final class ConsulToken {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulToken.class);

    private final Path file;
    private Optional<String> token;
    private FileTime readAt;
    private long size;
    private long version;
    private boolean warned;

    private ConsulToken(Path file, Optional<String> token) {
        this.file = file;
        this.token = token;
    }

    public static ConsulToken fixed(Optional<String> token) {
        return new ConsulToken(null, token);
    }

    /** Reads the file now: a missing or empty file at start-up is an error naming the property. */
    public static ConsulToken fromFile(Path file) {
        ConsulToken t = new ConsulToken(file, Optional.empty());
        try {
            String value = Files.readString(file).trim();
            if (value.isEmpty()) {
                throw new IllegalArgumentException("lbsync.consul.token-file: " + file + " is empty");
            }
            t.token = Optional.of(value);
            t.readAt = Files.getLastModifiedTime(file);
            t.size = Files.size(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("lbsync.consul.token-file: cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
        }
        return t;
    }

    /** The token to send now (re-reading the file if it changed since the last call). */
    public synchronized Optional<String> current() {
        if (file != null) {
            refresh();
        }
        return token;
    }

    /** Grows by one each time the token changed: holders of a client built with an older token rebuild it. */
    public synchronized long version() {
        if (file != null) {
            refresh();
        }
        return version;
    }

    private void refresh() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long newSize = Files.size(file);
            if (modified.equals(readAt) && newSize == size) {
                return;
            }
            String value = Files.readString(file).trim();
            if (value.isEmpty()) {
                warnOnce("is empty");
                return;
            }
            readAt = modified;
            size = newSize;
            warned = false;
            if (!token.equals(Optional.of(value))) {
                token = Optional.of(value);
                version++;
                LOG.info("event=consul-token-reloaded file={}", file);
            }
        } catch (IOException e) {
            warnOnce("cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private void warnOnce(String problem) {
        if (!warned) {
            warned = true;
            LOG.warn("event=consul-token-file-problem file={} problem=\"{}\" (the last token read stays in use)", file, problem);
        }
    }

    @Override
    public String toString() {
        return token.isPresent() ? "(set" + (file == null ? ")" : " from " + file + ")") : "(none)";
    }
}
