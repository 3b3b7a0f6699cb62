package io.lbsync.consul;

import java.net.URI;

/** An agent answered, but not with success: its status and (shortened) error body, e.g. 403 Permission denied. */
public final class ConsulHttpException extends RuntimeException {
    private final int status;

    public ConsulHttpException(URI agent, String path, int status, String body) {
        super(path + " on " + agent + " answered " + status + (body.isEmpty() ? "" : ": " + body));
        this.status = status;
    }

    public int status() {
        return status;
    }
}
