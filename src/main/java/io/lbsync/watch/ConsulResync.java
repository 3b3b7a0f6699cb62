package io.lbsync.watch;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Asks the running catalog watches to read Consul again now, without waiting for an index to move. A blocking query
 * only wakes when Consul's index changes, and some changes move no index: an ACL policy edit that gives lbsync's token
 * its read rights back shows the hidden services again, at the same index. The implausible-change guard asks for this
 * while it holds a mass disappearance (bean "consulResync"); each request costs two reads plus the changed services.
 */
public final class ConsulResync {
    private final Set<Runnable> watches = new CopyOnWriteArraySet<>();

    void register(Runnable resync) {
        watches.add(resync);
    }

    void unregister(Runnable resync) {
        watches.remove(resync);
    }

    /** Every registered watch re-reads Consul (asynchronously). */
    public void request() {
        watches.forEach(Runnable::run);
    }
}
