package io.lbsync.watch;

import java.util.concurrent.ExecutorService;

/** A running Consul watch: long polls on threads of the given executor until stopped. */
public interface Watcher {
    void start(ExecutorService executor);

    void stop();

    /** Reads Consul again now, whatever the index says (see {@link ConsulResync}); nothing by default. */
    default void resync() {
    }

    /**
     * lbsync switched Consul agents ({@link io.lbsync.consul.ConsulAgents}): every long poll starts again with a
     * non-blocking read on the new agent, handed on like any change (indexes are per agent).
     */
    void agentSwitched();
}
