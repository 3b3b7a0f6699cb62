package io.lbsync.install;

import java.util.ArrayList;
import java.util.List;

/**
 * What an install changed, as a unified diff without context lines (like {@code diff -U0}): hunk headers and
 * the removed/added lines, at most {@code maxLines} of them, so a log shows which servers came and went.
 * Lines between the common head and tail are matched with a longest-common-subsequence table when that is
 * small enough; a larger rewrite is shown as removed-then-added.
 */
public final class ConfigDiff {
    private static final long LCS_LIMIT = 4_000_000; // cells: a few MB at most

    private ConfigDiff() {
    }

    /** The diff lines, {@code maxLines} at most, then a "... N more lines" marker when cut; empty when equal. */
    public static List<String> unified(String before, String after, int maxLines) {
        List<String> a = before.lines().toList();
        List<String> b = after.lines().toList();
        int head = 0;
        while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
            head++;
        }
        int tail = 0;
        while (tail < a.size() - head && tail < b.size() - head
                && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
            tail++;
        }
        List<String> out = new ArrayList<>();
        hunks(a.subList(head, a.size() - tail), b.subList(head, b.size() - tail), head, out);
        if (out.size() > maxLines) {
            int more = out.size() - maxLines;
            List<String> cut = new ArrayList<>(out.subList(0, maxLines));
            cut.add("... " + more + " more diff lines");
            return cut;
        }
        return out;
    }

    private static void hunks(List<String> a, List<String> b, int offset, List<String> out) {
        if (a.isEmpty() && b.isEmpty()) {
            return;
        }
        if ((long) a.size() * b.size() > LCS_LIMIT) {
            hunk(a, 0, a.size(), b, 0, b.size(), offset, out);
            return;
        }
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                i++;
                j++;
                continue;
            }
            int i0 = i;
            int j0 = j;
            while (i < a.size() || j < b.size()) {
                if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                    break;
                }
                if (j >= b.size() || i < a.size() && lcs[i + 1][j] >= lcs[i][j + 1]) {
                    i++;
                } else {
                    j++;
                }
            }
            hunk(a, i0, i, b, j0, j, offset, out);
        }
    }

    private static void hunk(List<String> a, int a0, int a1, List<String> b, int b0, int b1, int offset, List<String> out) {
        out.add("@@ -" + range(offset + a0, a1 - a0) + " +" + range(offset + b0, b1 - b0) + " @@");
        a.subList(a0, a1).forEach(l -> out.add("-" + l));
        b.subList(b0, b1).forEach(l -> out.add("+" + l));
    }

    /** diff's "start,count" (1-based; a zero count names the line before). */
    private static String range(int start, int count) {
        return count == 1 ? String.valueOf(start + 1) : (count == 0 ? start : start + 1) + "," + count;
    }
}
