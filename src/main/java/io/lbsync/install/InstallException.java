package io.lbsync.install;

/** A target's new config was not installed (or was rolled back); the message says why, for an operator. */
public class InstallException extends RuntimeException {
    public InstallException(String message) {
        super(message);
    }
}
