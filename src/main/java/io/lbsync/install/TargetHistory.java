package io.lbsync.install;

import java.time.Instant;

/**
 * What GET /status and the health check need about one target beyond its last outcome ({@link ConfigTarget#status()}):
 * the last render, the last install, and since when it has been failing. Fed by {@link Targets} from the pipeline
 * (after each render, and by the error handler), each time with the outcome the target had before: that is how an
 * install or a success is noticed once a later run has replaced it. Thread-safe.
 */
public final class TargetHistory {
    /** One render: when, and what the template produced (before any validation). */
    public record Render(Instant at, ConfigSummary config) {
    }

    /**
     * @param lastInstall         the last time a new config was installed and the proxy reloaded (null: not since start)
     * @param failingSince        the first of the failed runs in a row (null unless the last run failed)
     * @param consecutiveFailures failed runs in a row
     */
    public record View(Render lastRender, Instant lastInstall, Instant failingSince, int consecutiveFailures) {
    }

    private Render lastRender;
    private Instant lastInstall;
    private Instant failingSince;
    private int consecutiveFailures;

    /** A render finished; {@code previous} is the target's outcome before this run. */
    public synchronized void rendered(Render render, TargetStatus previous) {
        observe(previous);
        lastRender = render;
    }

    /** A run failed; {@code previous} is the target's outcome before this run. */
    public synchronized void failed(TargetStatus previous, Instant at) {
        observe(previous);
        if (failingSince == null) {
            failingSince = at;
        }
        consecutiveFailures++;
    }

    /** The history with {@code current} (the target's latest outcome) taken into account. */
    public synchronized View view(TargetStatus current) {
        observe(current);
        return new View(lastRender, lastInstall, failingSince, consecutiveFailures);
    }

    private void observe(TargetStatus s) {
        if (s == null || s.failed()) {
            return;
        }
        failingSince = null;
        consecutiveFailures = 0;
        if (s.result() == TargetStatus.Result.INSTALLED && (lastInstall == null || s.at().isAfter(lastInstall))) {
            lastInstall = s.at();
        }
    }
}
