package io.lbsync.testsupport;

/** Thread.sleep for polling loops in test helpers, with an interrupt turned into an unchecked failure. */
public final class Pause {
    private Pause() {
    }

    public static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
