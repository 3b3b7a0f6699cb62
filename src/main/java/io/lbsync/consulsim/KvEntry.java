package io.lbsync.consulsim;

import java.util.Arrays;

/**
 * One KV pair (Consul's DirEntry). {@code session} is "" while no session holds the key; {@code lockIndex} counts
 * how often a session acquired it.
 */
record KvEntry(String key, byte[] value, long flags, long lockIndex, String session, long createIndex, long modifyIndex) {

    /** Consul's DirEntry.Equal: a write of the same content changes nothing. */
    boolean sameContent(byte[] otherValue, long otherFlags, long otherLockIndex, String otherSession) {
        return flags == otherFlags && lockIndex == otherLockIndex && session.equals(otherSession)
                && Arrays.equals(value, otherValue);
    }
}
