package io.lbsync.cleanup;

import java.net.URI;

/** An agent that could not be reached at all: the limit of owning-agent deregistration, reported as such. */
public final class AgentUnreachableException extends RuntimeException {
    public AgentUnreachableException(URI agent, String reason) {
        super("agent " + agent + " unreachable: " + reason);
    }
}
