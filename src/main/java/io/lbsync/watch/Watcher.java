package io.lbsync.watch;

import java.util.concurrent.ExecutorService;

/** A running Consul watch: long polls on threads of the given executor until stopped. */
public interface Watcher {
    void start(ExecutorService executor);

    void stop();

    /** Reads Consul again now, whatever the index says (see {@link ConsulResync}); nothing by default. */
    default void resync() {
    }
}
