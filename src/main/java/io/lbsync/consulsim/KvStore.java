package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consul's KV table plus its graveyard: a delete leaves a tombstone carrying the delete's index, so a
 * prefix's index still advances when its last key goes away. Tombstones are never reaped here.
 * Every method expects the {@link StateStore} lock to be held.
 */
final class KvStore {
    private static final String KVS = "kvs";
    private static final String TOMBSTONES = "tombstones";

    private final StateStore store;
    private final TreeMap<String, KvEntry> entries = new TreeMap<>();
    private final TreeMap<String, Long> tombstones = new TreeMap<>();

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
     * Writing identical content changes nothing (no index bump), like Consul's kvsSetTxn.
     */
    boolean put(StateStore.Txn txn, String key, byte[] value, long flags, Long cas) {
        KvEntry old = entries.get(key);
        if (cas != null && (cas == 0 ? old != null : old == null || old.modifyIndex() != cas)) {
            return false;
        }
        if (old != null && old.sameContent(value, flags)) {
            return true;
        }
        long idx = txn.index();
        entries.put(key, new KvEntry(key, value, flags, old == null ? idx : old.createIndex(), idx));
        store.bump(KVS, idx);
        return true;
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
