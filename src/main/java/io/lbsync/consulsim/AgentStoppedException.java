package io.lbsync.consulsim;

/** The agent was stopped while a request waited: the request is dropped without an answer, like a killed agent. */
final class AgentStoppedException extends Exception {
    AgentStoppedException() {
        super("agent stopped", null, false, false);
    }
}
