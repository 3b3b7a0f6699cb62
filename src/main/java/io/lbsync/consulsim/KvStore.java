package io.lbsync.consulsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consul's KV table plus its graveyard: a delete leaves a tombstone carrying the delete's index, so a
 * prefix's index still advances when its last key goes away. Tombstones are never reaped here.
 * Keys may be held by a session (?acquire/?release); {@link Sessions} drops its holds when it is invalidated.
 * Every method expects the {@link StateStore} lock to be held.
 */
final class KvStore {
    private static final String KVS = "kvs";
    private static final String TOMBSTONES = "tombstones";

    private final StateStore store;
    private final TreeMap<String, KvEntry> entries = new TreeMap<>();
    private final TreeMap<String, Long> tombstones = new TreeMap<>();
    /** Key → System.nanoTime() until which ?acquire is refused; not replicated state in Consul either. */
    private final Map<String, Long> lockDelays = new HashMap<>();

    KvStore(StateStore store) {
        this.store = store;
    }

    KvEntry get(String key) {
        return entries.get(key);
    }

    List<KvEntry> list(String prefix) {
        return new ArrayList<>(under(entries, prefix).values());
    }

    /** Max index of the kvs and tombstones tables: what a missing key reports. */
    long tableIndex() {
        return store.index(KVS, TOMBSTONES);
    }

    /** Highest ModifyIndex under the prefix, tombstones included; 0 when the prefix never held anything. */
    long prefixIndex(String prefix) {
        long max = 0;
        for (KvEntry e : under(entries, prefix).values()) {
            max = Math.max(max, e.modifyIndex());
        }
        for (long t : under(tombstones, prefix).values()) {
            max = Math.max(max, t);
        }
        return max;
    }

    /** The index of the key itself (or of its tombstone): what a blocking read of one key watches. */
    long keyIndex(String key) {
        KvEntry e = entries.get(key);
        return e != null ? e.modifyIndex() : tombstones.getOrDefault(key, 0L);
    }

    /**
     * Sets a key. {@code cas} null = unconditional; 0 = only if absent; n = only if ModifyIndex is n.
     * A lock holder stays, but LockIndex takes the request's 0, as Consul's kvsSetTxn does.
     */
    boolean put(StateStore.Txn txn, String key, byte[] value, long flags, Long cas) {
        KvEntry old = entries.get(key);
        if (cas != null && (cas == 0 ? old != null : old == null || old.modifyIndex() != cas)) {
            return false;
        }
        set(txn, old, key, value, flags, 0, old == null ? "" : old.session());
        return true;
    }

    /**
     * ?acquire: takes the key for the session (LockIndex + 1) or, if the session already holds it, only updates
     * the value; false while another session holds it. The caller has checked the session and the lock-delay.
     */
    boolean lock(StateStore.Txn txn, String key, byte[] value, long flags, String session) {
        KvEntry old = entries.get(key);
        long lockIndex;
        if (old == null) {
            lockIndex = 1;
        } else if (old.session().equals(session)) {
            lockIndex = old.lockIndex();
        } else if (!old.session().isEmpty()) {
            return false;
        } else {
            lockIndex = old.lockIndex() + 1;
        }
        set(txn, old, key, value, flags, lockIndex, session);
        return true;
    }

    /** ?release: clears the holder and stores the request's value and flags; false unless that session holds the key. */
    boolean unlock(StateStore.Txn txn, String key, byte[] value, long flags, String session) {
        KvEntry old = entries.get(key);
        if (old == null || !old.session().equals(session)) {
            return false;
        }
        set(txn, old, key, value, flags, old.lockIndex(), "");
        return true;
    }

    /** Keys the session holds, for its invalidation. */
    List<String> heldBy(String session) {
        return entries.values().stream().filter(e -> e.session().equals(session)).map(KvEntry::key).toList();
    }

    /** Invalidation with behaviour "release": the holder goes, everything else stays. */
    void dropHolder(StateStore.Txn txn, String key) {
        KvEntry old = entries.get(key);
        set(txn, old, key, old.value(), old.flags(), old.lockIndex(), "");
    }

    /** Refuses ?acquire on the key for that long (the session lock-delay, applied when a holder is invalidated). */
    void delayLocks(String key, Duration delay) {
        lockDelays.put(key, System.nanoTime() + delay.toNanos());
    }

    boolean inLockDelay(String key) {
        Long until = lockDelays.get(key);
        if (until == null) {
            return false;
        }
        if (until - System.nanoTime() > 0) {
            return true;
        }
        lockDelays.remove(key);
        return false;
    }

    /** Writing identical content changes nothing (no index bump), like Consul's kvsSetTxn. */
    private void set(StateStore.Txn txn, KvEntry old, String key, byte[] value, long flags, long lockIndex, String session) {
        if (old != null && old.sameContent(value, flags, lockIndex, session)) {
            return;
        }
        long idx = txn.index();
        entries.put(key, new KvEntry(key, value, flags, lockIndex, session, old == null ? idx : old.createIndex(), idx));
        store.bump(KVS, idx);
    }

    /** Deletes a key; {@code cas} non-null = only if its ModifyIndex matches (a missing key counts as done). */
    boolean delete(StateStore.Txn txn, String key, Long cas) {
        KvEntry old = entries.get(key);
        if (old == null) {
            return true;
        }
        if (cas != null && old.modifyIndex() != cas) {
            return false;
        }
        bury(txn, key);
        return true;
    }

    void deleteTree(StateStore.Txn txn, String prefix) {
        for (String key : List.copyOf(under(entries, prefix).keySet())) {
            bury(txn, key);
        }
    }

    private void bury(StateStore.Txn txn, String key) {
        long idx = txn.index();
        entries.remove(key);
        tombstones.put(key, idx);
        store.bump(KVS, idx);
        store.bump(TOMBSTONES, idx);
    }

    private static <V> Map<String, V> under(TreeMap<String, V> map, String prefix) {
        if (prefix.isEmpty()) {
            return map;
        }
        return map.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
    }
}
