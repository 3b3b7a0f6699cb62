package io.lbsync.install;

import java.time.Instant;

/** The last outcome of a target's pipeline run. */
public record TargetStatus(Result result, Instant at, String detail) {
    public enum Result { INSTALLED, UNCHANGED, FAILED }

    public boolean failed() {
        return result == Result.FAILED;
    }
}
