package io.lbsync.install;

import io.lbsync.command.CommandLine;
import io.lbsync.command.CommandResult;
import io.lbsync.config.TargetSettings;
import io.lbsync.drain.ServerDrain;
import io.lbsync.files.ConfigFiles;
import io.lbsync.model.ConsulState;
import io.lbsync.quiesce.QuiesceEndpoint;
import io.lbsync.reload.CommandReloader;
import io.lbsync.reload.Reloader;
import io.lbsync.render.Failover;
import io.lbsync.render.SafeValues;
import io.lbsync.render.TemplateModelBuilder;
import io.lbsync.render.TemplateParams;
import io.lbsync.runtimeapi.RuntimeApi;
import io.lbsync.watch.Backoff;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One target (a config file plus its proxy): the bean named after it, whose public methods are the steps of the install
 * route in routes/targets.yaml, each taking and returning the run ({@link InstallRun}, the body). The render and the
 * commands are the route's own freemarker: and exec: steps; this class prepares and judges them. A step that fails
 * throws; the route's error handler calls {@link #failed} and nothing further happens to the live file.
 */
public class ConfigTarget {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigTarget.class);
    /** Diff lines kept per install (DEBUG log, status page): enough for a membership change, bounded for a rewrite. */
    private static final int MAX_DIFF_LINES = 40;
    /** Changed lines shown in the install's one INFO line. */
    private static final int SUMMARY_LINES = 6;

    private final TargetSettings settings;
    private final TemplateModelBuilder modelBuilder;
    private final TemplateParams params;
    private final ConfigFiles files;
    private final Optional<List<String>> validateCommand;
    private final Optional<Reloader> reloader;
    private final TargetMetrics metrics;
    private final TargetHistory history;
    private final Optional<RuntimeApi> runtime;
    private final Optional<ServerDrain> drain;
    private final Optional<Path> dryRunStaging;
    private final Backoff retryBackoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(1));
    private volatile TargetStatus status;
    private volatile boolean reloadPending;

    /**
     * @param reloader a {@link CommandReloader} (run by the route's exec: step) or the master CLI; empty: no reload
     * @param runtime  membership-only changes go to the running proxy instead of a reload (lbsync.&lt;target&gt;.runtime-api)
     */
    public ConfigTarget(TargetSettings settings, TemplateParams params, Optional<Reloader> reloader, TargetMetrics metrics,
                        TargetHistory history, Optional<RuntimeApi> runtime) {
        this(settings, params, reloader, metrics, history, runtime, Optional.empty());
    }

    /** @param dryRunStaging --dry: stage into this (temporary) directory, never next to the live file */
    public ConfigTarget(TargetSettings settings, TemplateParams params, Optional<Reloader> reloader, TargetMetrics metrics,
                        TargetHistory history, Optional<RuntimeApi> runtime, Optional<Path> dryRunStaging) {
        this.settings = settings;
        this.dryRunStaging = dryRunStaging;
        this.params = params;
        this.reloader = reloader;
        this.metrics = metrics;
        this.history = history;
        this.runtime = runtime;
        this.modelBuilder = new TemplateModelBuilder(settings.warningPolicy());
        this.drain = runtime.filter(r -> !settings.drainTimeout().isZero() && !settings.drainTimeout().isNegative())
                .map(r -> new ServerDrain(settings.name(), r, settings.drainTimeout(), settings.warningPolicy()));
        this.files = new ConfigFiles(settings.output(), settings.fileMode(), settings.installMode(),
                dryRunStaging.orElse(settings.output().toAbsolutePath().getParent()));
        this.validateCommand = settings.validates()
                ? Optional.of(CommandLine.split("lbsync." + settings.name() + ".validate-command", settings.validateCommand()))
                : Optional.empty();
    }

    /** The target bean of that name in the registry. */
    public static ConfigTarget of(CamelContext camel, String name) {
        ConfigTarget target = name == null ? null : camel.getRegistry().lookupByNameAndType(name, ConfigTarget.class);
        if (target == null) {
            throw new IllegalStateException("no target named '" + name + "' (lbsync.targets)");
        }
        return target;
    }

    public String name() {
        return settings.name();
    }

    public TargetSettings settings() {
        return settings;
    }

    /** Null until the pipeline ran once. */
    public TargetStatus status() {
        return status;
    }

    /** First step: a run of this target over Consul's newest complete state. */
    public InstallRun start(ConsulState state) {
        InstallRun run = new InstallRun(name(), state, dryRunStaging.isPresent());
        history.runStarted(Instant.now()); // status page: run and render durations
        run.setReloadVia(reloader.isEmpty() ? InstallRun.ReloadVia.NONE
                : reloader.get() instanceof CommandReloader ? InstallRun.ReloadVia.COMMAND : InstallRun.ReloadVia.MASTER_CLI);
        return run;
    }

    /**
     * HAProxy with the runtime API and a drain timeout: registrations that stopped being served stay in this render with
     * weight 0 until their requests are done ({@link ServerDrain}); while any drains, the target runs again in a second.
     */
    public InstallRun drain(InstallRun run, Exchange exchange) {
        drain.ifPresent(d -> {
            run.setDrainPlan(d.plan(Failover.select(run.getState(), settings.warningPolicy()).catalog()));
            if (d.active() && exchange.getProperty(QuiesceEndpoint.RETRY_AFTER) == null) {
                exchange.setProperty(QuiesceEndpoint.RETRY_AFTER, ServerDrain.POLL);
            }
        });
        return run;
    }

    /** The freemarker: step's data model: the state as templates see it (docs/templates.md). */
    public Map<String, Object> templateModel(InstallRun run) {
        return modelBuilder.build(run.getState(), params, run.getDrainPlan());
    }

    /** The freemarker: step's result joins the run (enrich's aggregation); remembered for GET /status. */
    public InstallRun rendered(InstallRun run, String text) {
        run.setText(text);
        metrics.rendered();
        history.rendered(TargetHistory.Render.of(Instant.now(), settings.kind(), text), status);
        return run;
    }

    /** Refuses a blank config; ${body.changed} is false when the bytes equal the live file (nothing more to do). */
    public InstallRun checkChanged(InstallRun run) {
        String config = run.getText();
        if (config == null || config.isBlank()) {
            throw new InstallException(name() + ": template " + settings.template() + " rendered an empty config; "
                    + "the live file is left as it is");
        }
        byte[] live = files.liveBytes();
        boolean changed = reloadPending || !Arrays.equals(live, config.getBytes(StandardCharsets.UTF_8));
        run.setChanged(changed);
        if (changed) {
            run.setLiveText(new String(live, StandardCharsets.UTF_8)); // the swap's diff and the runtime API compare with it
        } else {
            LOG.debug("event=unchanged target={}", name());
            status = new TargetStatus(TargetStatus.Result.UNCHANGED, Instant.now(), "");
            retryBackoff.reset();
            metrics.unchanged();
        }
        return run;
    }

    /** Writes .&lt;output&gt;.lbsync-staged next to the live file. ${body.validates}: whether a validate command follows. */
    public InstallRun stage(InstallRun run) {
        files.stage(run.getText());
        return run;
    }

    public boolean validates() {
        return validateCommand.isPresent();
    }

    /** The command line of exec:validate-command / exec:reload-command (never a shell: an argument list). */
    public List<String> commandLine(CommandRole role) {
        return switch (role) {
            case VALIDATE -> CommandLine.withFile(validateCommand.orElseThrow(() -> new IllegalStateException(
                    "lbsync." + name() + ".validate-command is empty")), files.staged().toString());
            case RELOAD -> commandReloader().argv();
        };
    }

    public Duration timeout(CommandRole role) {
        return role == CommandRole.VALIDATE ? settings.validateTimeout() : commandReloader().timeout();
    }

    private CommandReloader commandReloader() {
        return reloader.filter(CommandReloader.class::isInstance).map(CommandReloader.class::cast)
                .orElseThrow(() -> new IllegalStateException("lbsync." + name() + ".reload-command is empty"));
    }

    /** After exec:validate-command: a failure removes the staged file and stops the run, the live file untouched. */
    public InstallRun validated(InstallRun run) {
        CommandResult result = run.getValidation();
        if (result == null || !result.succeeded()) {
            files.discardStaged();
            metrics.validationFailed();
            throw new InstallException(name() + ": validation rejected the new config, live file unchanged ("
                    + (result == null ? "the validate command did not run" : result.describe()) + ")");
        }
        return run;
    }

    /**
     * --dry, after validation: prints what would change as a unified diff (stdout) and removes the staged file; the
     * route stops here, so the live file, its backup and the proxy are untouched.
     */
    public InstallRun showDryRun(InstallRun run) {
        files.discardStaged();
        List<String> diff = ConfigDiff.unified(run.getLiveText(), run.getText(), Integer.MAX_VALUE);
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(files.live()).append(" (live)\n");
        out.append("+++ ").append(files.live()).append(" (lbsync --dry, target ").append(name()).append(")\n");
        diff.forEach(line -> out.append(line).append('\n'));
        synchronized (System.out) {
            System.out.print(out);
            System.out.flush();
        }
        status = new TargetStatus(TargetStatus.Result.WOULD_CHANGE, Instant.now(), diff.size() + " diff lines");
        LOG.info("event=dry-run target={} file={} diff_lines={}", name(), files.live(), diff.size());
        return run;
    }

    /**
     * Installs the staged file (the live one kept as .bak; renamed over it or rewritten in place, as
     * lbsync.&lt;target&gt;.install-mode says) and logs what changed, a bounded diff.
     */
    public InstallRun swap(InstallRun run) {
        run.swapped(files.swap());
        logDiff(run, run.getLiveText(), run.getText());
        return run;
    }

    /**
     * Notes what the swap changed: the run carries a short summary for the one INFO line of the install
     * ({@link #installed}); the whole bounded diff goes to DEBUG and to the status page.
     */
    private void logDiff(InstallRun run, String before, String after) {
        if (before.isEmpty()) {
            run.setChangeSummary("first_install=true lines=" + after.lines().count());
            history.diff(new TargetHistory.Diff(Instant.now(), true, List.of())); // status page: the last diffs
            return;
        }
        List<String> diff = ConfigDiff.unified(before, after, MAX_DIFF_LINES);
        history.diff(new TargetHistory.Diff(Instant.now(), false, diff)); // status page: the last diffs
        List<String> changed = diff.stream().filter(l -> l.startsWith("+") || l.startsWith("-")).toList();
        long added = changed.stream().filter(l -> l.startsWith("+")).count();
        String shown = String.join("; ", changed.subList(0, Math.min(SUMMARY_LINES, changed.size())))
                + (changed.size() > SUMMARY_LINES ? "; ..." : "");
        run.setChangeSummary("lines_added=" + added + " lines_removed=" + (changed.size() - added) + " changes=\""
                + SafeValues.quotedForLog(shown.replaceAll("\\s+", " ")) + "\"" + (diff.size() > MAX_DIFF_LINES ? " (cut)" : ""));
        diff.forEach(line -> LOG.debug("event=config-diff target={} line=\"{}\"", name(), SafeValues.quotedForLog(line)));
    }

    /**
     * With the runtime API on: when the swapped-in config differs from the previous one only in server lines, changes
     * the running proxy's servers and checks that it shows them; then ${body.runtimeApplied} and no reload. A structural
     * change, a refused command or a state that does not show the change leaves it false: the route reloads.
     */
    public InstallRun applyRuntime(InstallRun run) {
        if (runtime.isEmpty() || reloadPending || run.getLiveText().isEmpty() || !run.isHadPrevious()) {
            return run;
        }
        long started = System.nanoTime();
        RuntimeApi.Outcome outcome = runtime.get().apply(run.getLiveText(), run.getText());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.runtimeUpdate(outcome.result());
        switch (outcome.result()) {
            case STRUCTURAL -> LOG.info("event=runtime-api-skipped target={} reason=\"{}\" action=reload", name(),
                    SafeValues.quotedForLog(outcome.detail()));
            case FAILED -> LOG.warn("event=runtime-api-failed target={} commands={} took_ms={} reason=\"{}\" action=reload", name(),
                    outcome.commands(), took.toMillis(), SafeValues.quotedForLog(outcome.detail()));
            case APPLIED -> {
                run.setRuntimeApplied(true);
                run.setReloadVia(InstallRun.ReloadVia.NONE);
                run.setReloadedBy("none runtime_api=applied commands=" + outcome.commands() + " took_ms=" + took.toMillis());
            }
        }
        return run;
    }

    /** Before exec:reload-command: what the reload is judged against afterwards (nginx: the master's current workers). */
    public InstallRun prepareReload(InstallRun run) {
        run.setBeforeReload(commandReloader().before(), System.nanoTime());
        return run;
    }

    /** HAProxy master-worker: "reload" on the master CLI, confirmed by its reload counters. */
    public InstallRun reloadThroughMasterCli(InstallRun run) {
        run.commandStarting(CommandRole.RELOAD);
        run.commandEnded(timed(() -> reloader.orElseThrow().reload()));
        return run;
    }

    /**
     * Last step: the run's outcome. A reload that failed (exec: or master CLI; nginx: also no new workers) puts the
     * previous file back, reloads again and fails the run; otherwise the target is installed.
     */
    public InstallRun installed(InstallRun run) {
        InstallRun.ReloadVia via = run.getReloadVia();
        if (via != InstallRun.ReloadVia.NONE) {
            CommandResult result = run.getReload();
            if (via == InstallRun.ReloadVia.COMMAND && result != null) {
                result = commandReloader().judge(run.getBeforeReload(), result);
                reloaded(Duration.ofNanos(System.nanoTime() - run.getReloadStartedNanos()), result.succeeded());
            }
            if (result == null || !result.succeeded()) {
                rollback(run.isHadPrevious(), result == null ? CommandResult.notRun("the reload did not run") : result);
            }
            run.setReloadedBy(reloader.get().describe());
        }
        status = new TargetStatus(TargetStatus.Result.INSTALLED, Instant.now(), files.live().toString());
        reloadPending = false;
        retryBackoff.reset();
        metrics.installed(run.getState().seenNanos());
        LOG.info("event=installed target={} file={} reload={} {}", name(), files.live(), run.getReloadedBy(), run.getChangeSummary());
        return run;
    }

    private CommandResult timed(java.util.function.Supplier<CommandResult> reload) {
        long started = System.nanoTime();
        CommandResult result = reload.get();
        reloaded(Duration.ofNanos(System.nanoTime() - started), result.succeeded());
        return result;
    }

    /** A reload ended: metrics, and the status page's last reload. */
    private void reloaded(Duration took, boolean succeeded) {
        metrics.reloaded(took, succeeded);
        history.reloaded(new TargetHistory.Reload(Instant.now(), took, succeeded));
    }

    private void rollback(boolean hadPrevious, CommandResult failure) {
        String why = name() + ": reload failed (" + failure.describe() + ")";
        if (!hadPrevious) {
            // Nothing to go back to (e.g. the proxy is not started yet): keep the validated file so it can start on it,
            // and remember that the proxy has not loaded it, so the retry reloads although the bytes match.
            reloadPending = true;
            throw new InstallException(why + "; there was no previous config, the new (validated) file stays");
        }
        files.rollback(true);
        // the same reloader, directly: a rollback is no new install, and the route is already failing
        CommandResult again = timed(() -> reloader.orElseThrow().reload());
        throw new InstallException(why + "; previous config put back and reloaded ("
                + (again.succeeded() ? "ok" : again.describe()) + ")");
    }

    /**
     * The route's error handler ({@link Targets#failed}): one log line, the status --once and health report, and a
     * retry of the same state after a growing delay (a reload that failed because the proxy was busy or not yet
     * started must not wait for the next Consul change, which may be hours away).
     */
    void failed(Exchange exchange, Exception e) {
        history.failed(status, Instant.now());
        String why = e == null ? "unknown error" : describe(e);
        status = new TargetStatus(TargetStatus.Result.FAILED, Instant.now(), why);
        metrics.failed();
        Duration retryIn = retryBackoff.nextDelay();
        exchange.setProperty(QuiesceEndpoint.RETRY_AFTER, retryIn);
        LOG.error("event=install-failed target={} retry_in_ms={} error=\"{}\"", name(), retryIn.toMillis(), why);
    }

    /** FreeMarker's own errors say where in the template, not which template: name it. */
    private String describe(Exception e) {
        return e instanceof freemarker.core.ParseException || e instanceof freemarker.template.TemplateException
                || e instanceof java.io.IOException
                ? name() + ": template " + settings.template() + ": " + e.getMessage() : e.getMessage();
    }
}
