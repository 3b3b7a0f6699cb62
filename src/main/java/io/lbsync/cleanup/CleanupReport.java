package io.lbsync.cleanup;

import java.util.List;

/**
 * The outcome of one cleanup run, served as JSON at /cleanup/report.
 *
 * @param time         when the run ended (ISO-8601)
 * @param catalogIndex the index of the watched catalog the run started from
 * @param error        why the run could not look at all (empty when it could)
 */
public record CleanupReport(String time, boolean dryRun, long catalogIndex, int duplicatedIds, int extraCopies,
                            List<CleanupDecision> decisions, String error) {

    public static CleanupReport notRunYet() {
        return new CleanupReport("", true, 0, 0, 0, List.of(), "no cleanup run yet (not leader, disabled, or not synced)");
    }

    public long count(CleanupDecision.Action action) {
        return decisions.stream().filter(d -> d.action() == action).count();
    }
}
