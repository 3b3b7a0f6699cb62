package io.lbsync.cleanup;

import java.net.URI;

/** An agent answered, but not with success: its status and (shortened) error body, e.g. 403 Permission denied. */
public final class ConsulCallException extends RuntimeException {
    private final int status;

    public ConsulCallException(URI agent, String call, int status, String body) {
        super(call + " on " + agent + " answered " + status + (body.isEmpty() ? "" : ": " + body));
        this.status = status;
    }

    public int status() {
        return status;
    }
}
