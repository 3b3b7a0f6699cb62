package io.lbsync.watch;

/**
 * The index half of Consul's blocking-query protocol (DESIGN.md, Consul rules 1 and 3): send back the last
 * X-Consul-Index, reset to 0 when it goes backwards (a restored snapshot or a new leader), and never block
 * with 0 after the first call (a server answering 0 would otherwise turn the loop into a busy loop).
 */
public final class IndexTracker {
    private long index;
    private boolean first = true;

    /** The index to send with the next request; 0 means "answer at once". */
    public synchronized long next() {
        return index;
    }

    /**
     * Records the index of a response.
     *
     * @return true when the index moved since the previous response (a return alone is not a change)
     */
    public synchronized boolean observe(long returned) {
        long previous = index;
        long current = Math.max(returned, 1);
        boolean wasFirst = first;
        first = false;
        if (current < previous) {
            index = 0;
            return true;
        }
        index = current;
        return wasFirst || index != previous;
    }

    /** After an error nothing about the server's index can be trusted any more. */
    public synchronized void reset() {
        index = 0;
        first = true;
    }
}
