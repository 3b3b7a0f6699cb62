package io.lbsync.consulsim;

/**
 * One evaluation of a read: the index to report, the body, and the index of what the read actually watches.
 * They differ for KV: a missing key reports the whole table's index but only wakes when that key changes.
 *
 * @param found false = answer 404 (KV), still with the index headers
 */
record QueryResult(long index, long watchIndex, Object body, boolean found) {

    static QueryResult of(long index, Object body) {
        return new QueryResult(index, index, body, true);
    }
}
