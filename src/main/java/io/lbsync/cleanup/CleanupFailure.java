package io.lbsync.cleanup;

/** A copy that could not be removed, with a reason an operator can act on. */
public final class CleanupFailure extends RuntimeException {
    public CleanupFailure(String reason) {
        super(reason);
    }
}
