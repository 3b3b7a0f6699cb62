package io.lbsync.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A command's output, kept within a fixed size however much the command writes: the first {@code headSize} bytes,
 * the last {@code tailSize} bytes, and the total count. Everything in between is read (so the command never blocks
 * on a full pipe) and discarded. Reads only what is already available, so it never blocks its caller.
 */
final class BoundedOutput {
    /** Most bytes one {@link #drainAvailable} call reads, so a command that never stops writing cannot keep its caller. */
    private static final int MAX_PER_DRAIN = 1 << 20;
    private final byte[] head;
    private int headLength;
    private final byte[] tail;
    /** Bytes that went past the head: the tail ring holds the last min(tailSeen, tail.length) of them. */
    private long tailSeen;
    private final byte[] chunk = new byte[64 * 1024];
    private String readError;

    BoundedOutput(int headSize, int tailSize) {
        this.head = new byte[headSize];
        this.tail = new byte[tailSize];
    }

    /** Total bytes the command wrote (as far as read). */
    long total() {
        return headLength + tailSeen;
    }

    /**
     * Reads what {@code in} has available without blocking (at most 1 MB per call). A read error ends the reading
     * for good (the command's exit code still counts); it is noted in {@link #text()}.
     *
     * @return the number of bytes read
     */
    int drainAvailable(InputStream in) {
        if (readError != null) {
            return 0;
        }
        int read = 0;
        try {
            int available;
            while (read < MAX_PER_DRAIN && (available = in.available()) > 0) {
                int n = in.read(chunk, 0, Math.min(available, chunk.length));
                if (n < 0) {
                    break;
                }
                append(chunk, n);
                read += n;
            }
        } catch (IOException e) {
            readError = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return read;
    }

    void append(byte[] bytes, int length) {
        int offset = 0;
        if (headLength < head.length) {
            int n = Math.min(length, head.length - headLength);
            System.arraycopy(bytes, 0, head, headLength, n);
            headLength += n;
            offset = n;
        }
        int rest = length - offset;
        if (rest <= 0 || tail.length == 0) {
            tailSeen += Math.max(rest, 0);
            return;
        }
        if (rest >= tail.length) {
            // only the last tail.length bytes of this chunk can survive: write them so the ring stays in order
            int skip = rest - tail.length;
            tailSeen += skip;
            offset += skip;
            rest = tail.length;
        }
        int position = (int) (tailSeen % tail.length);
        int first = Math.min(rest, tail.length - position);
        System.arraycopy(bytes, offset, tail, position, first);
        System.arraycopy(bytes, offset + first, tail, 0, rest - first);
        tailSeen += rest;
    }

    /** The output as text (UTF-8; invalid sequences replaced), with a marker where bytes were left out. */
    String text() {
        String text = keptText();
        return readError == null ? text : text + "\n[output not read further: " + readError + "]";
    }

    private String keptText() {
        String start = new String(head, 0, headLength, StandardCharsets.UTF_8);
        if (tailSeen == 0) {
            return start;
        }
        int kept = (int) Math.min(tailSeen, tail.length);
        byte[] end = new byte[kept];
        int position = (int) (tailSeen % tail.length);
        if (tailSeen <= tail.length) {
            System.arraycopy(tail, 0, end, 0, kept);
        } else {
            System.arraycopy(tail, position, end, 0, tail.length - position);
            System.arraycopy(tail, 0, end, tail.length - position, position);
        }
        String last = new String(end, StandardCharsets.UTF_8);
        long omitted = tailSeen - kept;
        return omitted == 0 ? start + last
                : start + "\n[... " + omitted + " bytes omitted, " + total() + " in all ...]\n" + last;
    }
}
