package io.lbsync.install;

import io.lbsync.config.TargetKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * What GET /status and the health check need about one target beyond its last outcome ({@link ConfigTarget#status()}):
 * the last render, the last install, and since when it has been failing. Fed by {@link Targets} from the pipeline
 * (after each render, and by the error handler), each time with the outcome the target had before: that is how an
 * install or a success is noticed once a later run has replaced it. Thread-safe.
 */
public final class TargetHistory {
    /**
     * One render: when, and what the template produced (before any validation). Its summary (a SHA-256 of the whole
     * config, its servers counted) is made once, when /status first asks, not on every render: at 4,000 servers that
     * cost a few ms per change.
     */
    public static final class Render {
        private final Instant at;
        private Supplier<ConfigSummary> summarise;
        private ConfigSummary config;

        public Render(Instant at, ConfigSummary config) {
            this(at, () -> config);
        }

        private Render(Instant at, Supplier<ConfigSummary> summarise) {
            this.at = at;
            this.summarise = summarise;
        }

        /** A render of {@code text} by a target of this kind. */
        public static Render of(Instant at, TargetKind kind, String text) {
            return new Render(at, () -> ConfigSummary.of(kind, text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8)));
        }

        public Instant at() {
            return at;
        }

        public synchronized ConfigSummary config() {
            if (config == null) {
                config = summarise.get();
                summarise = null; // the rendered text it holds is no longer needed
            }
            return config;
        }
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
        renderTook = runStarted == null || render.at().isBefore(runStarted) ? null : Duration.between(runStarted, render.at());
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
    // ---- For the status page (GET /status, the page at /): when runs start, their diffs and reloads. ----

    /** Diffs kept per target (each already bounded by the caller, ConfigTarget). */
    static final int DIFFS_KEPT = 5;

    /** One install's change to the live file ({@link ConfigDiff} lines; empty with firstInstall). */
    public record Diff(Instant at, boolean firstInstall, List<String> lines) {
        public Diff {
            lines = List.copyOf(lines);
        }
    }

    /** One reload of the proxy (a rollback's included): when it ended, how long it took, and how. */
    public record Reload(Instant at, Duration took, boolean succeeded) {
    }

    /**
     * @param runStarted the start of the latest run (null: none yet)
     * @param renderTook how long the latest run took from its start to its rendered config (null: not known)
     * @param diffs      the last {@value #DIFFS_KEPT} installs' diffs, newest first
     * @param lastReload null: none since start
     */
    public record Timings(Instant runStarted, Duration renderTook, List<Diff> diffs, Reload lastReload) {
    }

    private Instant runStarted;
    private Duration renderTook;
    private final Deque<Diff> diffs = new ArrayDeque<>();
    private Reload lastReload;

    /** A run of the pipeline starts. */
    public synchronized void runStarted(Instant at) {
        runStarted = at;
    }

    /** The swap installed a new live file that differs from the previous one by {@code lines}. */
    public synchronized void diff(Diff diff) {
        diffs.addFirst(diff);
        while (diffs.size() > DIFFS_KEPT) {
            diffs.removeLast();
        }
    }

    public synchronized void reloaded(Reload reload) {
        lastReload = reload;
    }

    public synchronized Timings timings() {
        return new Timings(runStarted, renderTook, List.copyOf(diffs), lastReload);
    }
}
