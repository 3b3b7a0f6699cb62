package io.lbsync.install;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an install changed, as a unified diff without context lines (like {@code diff -U0}): hunk headers and
 * the removed/added lines, at most {@code maxLines} of them, so a log shows which servers came and went.
 * Lines between the common head and tail are matched with a longest-common-subsequence table when that is
 * small enough; a larger rewrite is shown as removed-then-added. The common head and tail are first found on the
 * characters, so a change of one server in a config of thousands of lines splits only the lines around it into strings
 * (issue 15: splitting both whole files was a tenth of an install's time at 4,000 servers).
 */
public final class ConfigDiff {
    private static final long LCS_LIMIT = 4_000_000; // cells: a few MB at most

    private ConfigDiff() {
    }

    /** The diff lines, {@code maxLines} at most, then a "... N more lines" marker when cut; empty when equal. */
    public static List<String> unified(String before, String after, int maxLines) {
        char[] x = before.toCharArray();
        char[] y = after.toCharArray();
        int shared = Math.min(x.length, y.length);
        int differsAt = Arrays.mismatch(x, y);
        int start = differsAt < 0 ? shared : lineStart(x, differsAt); // both texts alike before it, ending a line
        int tailLength = 0;
        while (tailLength < shared - start && x[x.length - 1 - tailLength] == y[y.length - 1 - tailLength]) {
            tailLength++;
        }
        int endA = afterLineEnd(x, x.length - tailLength);
        int endB = y.length - (x.length - endA);
        List<String> a = before.substring(start, endA).lines().toList();
        List<String> b = after.substring(start, endB).lines().toList();
        int offset = lineCount(x, start);
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
        hunks(a.subList(head, a.size() - tail), b.subList(head, b.size() - tail), offset + head, out);
        if (out.size() > maxLines) {
            int more = out.size() - maxLines;
            List<String> cut = new ArrayList<>(out.subList(0, maxLines));
            cut.add("... " + more + " more diff lines");
            return cut;
        }
        return out;
    }

    /** Where the line holding {@code at} starts, counting only '\n' as a line's end (a '\r' may be half of "\r\n"). */
    private static int lineStart(char[] text, int at) {
        int i = at;
        while (i > 0 && text[i - 1] != '\n') {
            i--;
        }
        return i;
    }

    /** Just after the first '\n' at or after {@code from} (the shared tail starts there), or the text's end. */
    private static int afterLineEnd(char[] text, int from) {
        for (int i = from; i < text.length; i++) {
            if (text[i] == '\n') {
                return i + 1;
            }
        }
        return text.length;
    }

    /** The lines before {@code end} (a line start), counted as {@link String#lines()} splits them. */
    private static int lineCount(char[] text, int end) {
        int lines = 0;
        for (int i = 0; i < end; i++) {
            if (text[i] == '\n' || text[i] == '\r' && (i + 1 == text.length || text[i + 1] != '\n')) {
                lines++;
            }
        }
        return lines;
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
