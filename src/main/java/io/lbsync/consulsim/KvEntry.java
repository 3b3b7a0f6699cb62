package io.lbsync.consulsim;

import java.util.Arrays;

/** One KV pair; no sessions in the simulator, so LockIndex stays 0. */
record KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex) {

    boolean sameContent(byte[] otherValue, long otherFlags) {
        return flags == otherFlags && Arrays.equals(value, otherValue);
    }
}
