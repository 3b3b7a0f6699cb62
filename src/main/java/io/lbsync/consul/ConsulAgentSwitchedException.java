package io.lbsync.consul;

import java.io.InterruptedIOException;
import java.net.URI;

/**
 * A call to the current agent that was cancelled because lbsync switched to another agent while it ran
 * ({@link ConsulAgents}). Not the agent's fault: callers that watch Consul read again at once, on the new agent.
 */
public final class ConsulAgentSwitchedException extends ConsulUnreachableException {
    public ConsulAgentSwitchedException(URI from, URI to) {
        super("call to agent " + ConsulAgents.forDisplay(from) + " cancelled: lbsync switched to agent " + ConsulAgents.forDisplay(to),
                new InterruptedIOException("cancelled by a switch of Consul agents"));
    }
}
