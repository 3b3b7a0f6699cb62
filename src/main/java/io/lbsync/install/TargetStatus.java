package io.lbsync.install;

import java.time.Instant;

/** The last outcome of a target's pipeline run. */
public record TargetStatus(Result result, Instant at, String detail) {
    /** WOULD_CHANGE: a dry run (--dry) found a difference; it installed nothing. */
    public enum Result { INSTALLED, UNCHANGED, WOULD_CHANGE, FAILED }

    public boolean failed() {
        return result == Result.FAILED;
    }
}
