package io.lbsync.consulsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consul's sessions table and the invalidation its state store does (deleteSessionTxn): a destroyed session
 * releases or deletes the keys it holds, and each of those keys refuses ?acquire for the session's lock-delay.
 * Besides the table index it keeps, per session and per node, the index of the last change, so that a blocking
 * read of one session or one node only wakes for its own changes.
 * Every method expects the {@link StateStore} lock to be held.
 */
final class Sessions {
    static final String TABLE = "sessions";
    /** Consul's structs.MaxLockDelay. */
    static final Duration MAX_LOCK_DELAY = Duration.ofSeconds(60);

    private final StateStore store;
    private final KvStore kv;
    private final TreeMap<String, SessionEntry> sessions = new TreeMap<>();
    private final Map<String, Long> destroyedAt = new HashMap<>();
    private final Map<String, Long> nodeChangedAt = new HashMap<>();

    Sessions(StateStore store, KvStore kv) {
        this.store = store;
        this.kv = kv;
    }

    /** Stores a validated session under a fresh ID; returns it with its indexes. */
    SessionEntry create(StateStore.Txn txn, SessionEntry draft, String id) {
        long idx = txn.index();
        SessionEntry s = draft.withIdAndIndex(id, idx);
        sessions.put(id, s);
        store.bump(TABLE, idx);
        nodeChangedAt.put(s.node(), idx);
        return s;
    }

    /** Invalidates a session (destroy, TTL expiry, a failed check); false when it does not exist. */
    boolean destroy(StateStore.Txn txn, String id) {
        SessionEntry s = sessions.remove(id);
        if (s == null) {
            return false;
        }
        long idx = txn.index();
        store.bump(TABLE, idx);
        destroyedAt.put(id, idx);
        nodeChangedAt.put(s.node(), idx);
        Duration delay = s.lockDelay().compareTo(MAX_LOCK_DELAY) > 0 ? MAX_LOCK_DELAY : s.lockDelay();
        for (String key : kv.heldBy(id)) {
            if (s.behavior().equals(SessionEntry.DELETE)) {
                kv.delete(txn, key, null);
            } else {
                kv.dropHolder(txn, key);
            }
            if (!delay.isNegative() && !delay.isZero()) {
                kv.delayLocks(key, delay);
            }
        }
        return true;
    }

    /** A check the sessions of its node may be bound to went critical or was removed. */
    void checkFailed(StateStore.Txn txn, String node, String checkId) {
        for (SessionEntry s : onNode(node)) {
            if (s.checkIds().contains(checkId)) {
                destroy(txn, s.id());
            }
        }
    }

    /** The node left the catalog: so do its sessions. */
    void nodeRemoved(StateStore.Txn txn, String node) {
        for (SessionEntry s : onNode(node)) {
            destroy(txn, s.id());
        }
    }

    SessionEntry get(String id) {
        return sessions.get(id);
    }

    /** All sessions, ordered by ID like Consul's memdb index. */
    List<SessionEntry> list() {
        return new ArrayList<>(sessions.values());
    }

    List<SessionEntry> onNode(String node) {
        return sessions.values().stream().filter(s -> s.node().equals(node)).toList();
    }

    long tableIndex() {
        return store.index(TABLE);
    }

    /** Index of the session's creation or destruction: what a blocking read of that one session watches. */
    long sessionIndex(String id) {
        SessionEntry s = sessions.get(id);
        return s != null ? s.modifyIndex() : destroyedAt.getOrDefault(id, 0L);
    }

    /** Index of the last session created or destroyed on the node. */
    long nodeIndex(String node) {
        return nodeChangedAt.getOrDefault(node, 0L);
    }
}
