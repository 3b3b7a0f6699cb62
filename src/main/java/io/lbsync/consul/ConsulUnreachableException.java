package io.lbsync.consul;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;

/**
 * No answer from an agent: refused, reset, closed, TLS failure, or a timeout ({@link #timedOut()}). The cause is the
 * HTTP client's {@link IOException}, which never carries the token (that travels in a request header only).
 */
public class ConsulUnreachableException extends RuntimeException {
    public ConsulUnreachableException(URI agent, IOException cause) {
        this("agent " + ConsulAgents.forDisplay(agent) + " unreachable: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    }

    protected ConsulUnreachableException(String message, IOException cause) {
        super(message, cause);
    }

    /** The connect timeout or the call's timeout ran out. */
    public boolean timedOut() {
        return getCause() instanceof HttpTimeoutException;
    }
}
