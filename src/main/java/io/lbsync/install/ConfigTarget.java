package io.lbsync.install;

import io.lbsync.command.CommandLine;
import io.lbsync.command.CommandResult;
import io.lbsync.command.CommandRunner;
import io.lbsync.files.ConfigFiles;
import io.lbsync.reload.Reloader;
import io.lbsync.runtimeapi.RuntimeMembership;

import io.lbsync.config.TargetSettings;
import io.lbsync.model.ConsulState;
import io.lbsync.render.SafeValues;
import io.lbsync.render.TemplateModelBuilder;
import io.lbsync.quiesce.QuiesceEndpoint;
import io.lbsync.render.TemplateParams;
import io.lbsync.watch.Backoff;
import io.lbsync.render.TemplateRenderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One load-balancer target (a config file plus its proxy). Each public method is one step of the route
 * in routes/targets.yaml: render → checkChanged → stage → validate → swap → reload (with rollback).
 * A step that fails throws; the route's error handler records it and nothing further happens.
 */
public class ConfigTarget {
    /** Exchange header set by checkChanged: false when the rendered bytes equal the live file. */
    public static final String CHANGED = io.lbsync.RouteNames.CHANGED;
    private static final String HAD_PREVIOUS = "lbsyncHadPrevious";
    private static final String CHANGE_SEEN = "lbsyncChangeSeenNanos";
    /** Exchange header set by applyRuntime: true when the change went through the runtime API (no reload needed). */
    public static final String RUNTIME_APPLIED = io.lbsync.RouteNames.RUNTIME_APPLIED;
    private static final String PREVIOUS_TEXT = "lbsyncPreviousConfig";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigTarget.class);
    /** Diff lines logged per install: enough for a membership change, bounded for a rewrite. */
    private static final int MAX_DIFF_LINES = 40;

    private final TargetSettings settings;
    private final TemplateRenderer renderer;
    private final TemplateModelBuilder modelBuilder;
    private final TemplateParams params;
    private final ConfigFiles files;
    private final Optional<List<String>> validateCommand;
    private final CommandRunner runner;
    private final Optional<Reloader> reloader;
    private final TargetMetrics metrics;
    private final Optional<RuntimeMembership> runtime;
    private final Backoff retryBackoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(1));
    private volatile TargetStatus status;
    private volatile boolean reloadPending;

    public ConfigTarget(TargetSettings settings, TemplateParams params, CommandRunner runner, Optional<Reloader> reloader,
                        TargetMetrics metrics) {
        this(settings, params, runner, reloader, metrics, Optional.empty());
    }

    /** @param runtime membership-only changes go through HAProxy's runtime API instead of a reload (lbsync.haproxy.runtime-api) */
    public ConfigTarget(TargetSettings settings, TemplateParams params, CommandRunner runner, Optional<Reloader> reloader,
                        TargetMetrics metrics, Optional<RuntimeMembership> runtime) {
        this.metrics = metrics;
        this.runtime = runtime;
        this.settings = settings;
        this.renderer = new TemplateRenderer(settings.template());
        this.modelBuilder = new TemplateModelBuilder();
        this.params = params;
        this.files = new ConfigFiles(settings.output(), settings.fileMode());
        this.validateCommand = settings.validates()
                ? Optional.of(CommandLine.split("lbsync." + settings.name() + ".validate-command", settings.validateCommand()))
                : Optional.empty();
        this.runner = runner;
        this.reloader = reloader;
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

    /** FreeMarker render of the current Consul state; remembers when the change in it was seen (for latency). */
    public String render(ConsulState state, Exchange exchange) {
        exchange.setProperty(CHANGE_SEEN, state.seenNanos());
        String config = renderer.render(modelBuilder.build(state, params));
        metrics.rendered();
        return config;
    }

    /** Refuses a blank config; marks the exchange unchanged when the bytes equal the live file. */
    public void checkChanged(Exchange exchange) {
        String config = exchange.getMessage().getBody(String.class);
        if (config == null || config.isBlank()) {
            throw new InstallException(name() + ": template " + renderer.location() + " rendered an empty config; "
                    + "the live file is left as it is");
        }
        boolean changed = reloadPending || !files.sameAsLive(config.getBytes(StandardCharsets.UTF_8));
        exchange.getMessage().setHeader(CHANGED, changed);
        if (!changed) {
            LOG.debug("event=unchanged target={}", name());
            status = new TargetStatus(TargetStatus.Result.UNCHANGED, Instant.now(), "");
            retryBackoff.reset();
            metrics.unchanged();
        }
    }

    public void stage(Exchange exchange) {
        files.stage(exchange.getMessage().getBody(String.class));
    }

    /** Runs the validate command on the staged file; on failure the staged file is removed and the live one untouched. */
    public void validate() {
        if (validateCommand.isEmpty()) {
            return;
        }
        Path staged = files.staged();
        CommandResult result = runner.run(CommandLine.withFile(validateCommand.get(), staged.toString()), settings.validateTimeout());
        if (!result.succeeded()) {
            files.discardStaged();
            metrics.validationFailed();
            throw new InstallException(name() + ": validation rejected the new config, live file unchanged ("
                    + result.describe() + ")");
        }
    }

    /** Installs the staged file (the live one kept as .bak) and logs what changed, a bounded diff. */
    public void swap(Exchange exchange) {
        String before = files.liveText();
        exchange.setProperty(PREVIOUS_TEXT, before);
        exchange.getMessage().setHeader(HAD_PREVIOUS, files.swap());
        logDiff(before, exchange.getMessage().getBody(String.class));
    }

    private void logDiff(String before, String after) {
        if (before.isEmpty()) {
            LOG.info("event=config-diff target={} file={} first_install=true lines={}", name(), files.live(), after.lines().count());
            return;
        }
        List<String> diff = ConfigDiff.unified(before, after, MAX_DIFF_LINES);
        long added = diff.stream().filter(l -> l.startsWith("+")).count();
        long removed = diff.stream().filter(l -> l.startsWith("-")).count();
        LOG.info("event=config-diff target={} file={} lines_added={} lines_removed={}{}", name(), files.live(), added, removed,
                diff.size() > MAX_DIFF_LINES ? " (cut)" : "");
        diff.forEach(line -> LOG.info("event=config-diff target={} line=\"{}\"", name(), SafeValues.quotedForLog(line)));
    }

    /**
     * With the runtime API on (lbsync.haproxy.runtime-api): when the swapped-in config differs from the previous one only
     * in server lines, changes the running proxy's servers through its runtime API and checks that it shows them; then
     * the file is installed without a reload (header {@link #RUNTIME_APPLIED} = true). Anything else (a structural change,
     * a command HAProxy refused, a state that does not show the change) leaves the header false: the route reloads.
     */
    public void applyRuntime(Exchange exchange) {
        exchange.getMessage().setHeader(RUNTIME_APPLIED, false);
        String before = exchange.getProperty(PREVIOUS_TEXT, String.class);
        if (runtime.isEmpty() || reloadPending || before == null || before.isEmpty()
                || !Boolean.TRUE.equals(exchange.getMessage().getHeader(HAD_PREVIOUS, Boolean.class))) {
            return;
        }
        long started = System.nanoTime();
        RuntimeMembership.Outcome outcome = runtime.get().apply(before, exchange.getMessage().getBody(String.class));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.runtimeUpdate(outcome.result());
        switch (outcome.result()) {
            case STRUCTURAL -> LOG.info("event=runtime-api-skipped target={} reason=\"{}\" action=reload", name(),
                    SafeValues.quotedForLog(outcome.detail()));
            case FAILED -> LOG.warn("event=runtime-api-failed target={} commands={} took_ms={} reason=\"{}\" action=reload", name(),
                    outcome.commands(), took.toMillis(), SafeValues.quotedForLog(outcome.detail()));
            case APPLIED -> {
                exchange.getMessage().setHeader(RUNTIME_APPLIED, true);
                status = new TargetStatus(TargetStatus.Result.INSTALLED, Instant.now(), files.live().toString());
                retryBackoff.reset();
                Long seen = exchange.getProperty(CHANGE_SEEN, Long.class);
                metrics.installed(seen == null ? System.nanoTime() : seen);
                LOG.info("event=installed target={} file={} reload=none runtime_api=applied commands={} took_ms={}", name(),
                        files.live(), outcome.commands(), took.toMillis());
            }
        }
    }

    /** Reloads the proxy; if that fails, puts the previous file back and reloads again. */
    public void reload(Exchange exchange) {
        if (reloader.isPresent()) {
            CommandResult result = timedReload();
            if (!result.succeeded()) {
                rollback(exchange.getMessage().getHeader(HAD_PREVIOUS, Boolean.class), result);
            }
        }
        status = new TargetStatus(TargetStatus.Result.INSTALLED, Instant.now(), files.live().toString());
        reloadPending = false;
        retryBackoff.reset();
        Long seen = exchange.getProperty(CHANGE_SEEN, Long.class);
        metrics.installed(seen == null ? System.nanoTime() : seen);
        LOG.info("event=installed target={} file={} reload={}", name(), files.live(),
                reloader.map(Reloader::describe).orElse("none"));
    }

    private CommandResult timedReload() {
        long started = System.nanoTime();
        CommandResult result = reloader.orElseThrow().reload();
        metrics.reloaded(Duration.ofNanos(System.nanoTime() - started), result.succeeded());
        return result;
    }

    private void rollback(Boolean hadPrevious, CommandResult failure) {
        String why = name() + ": reload failed (" + failure.describe() + ")";
        if (!Boolean.TRUE.equals(hadPrevious)) {
            // Nothing to go back to (e.g. the proxy is not started yet): keep the validated file so it can start on it,
            // and remember that the proxy has not loaded it, so the retry reloads although the bytes match.
            reloadPending = true;
            throw new InstallException(why + "; there was no previous config, the new (validated) file stays");
        }
        files.rollback(true);
        CommandResult again = timedReload();
        throw new InstallException(why + "; previous config put back and reloaded ("
                + (again.succeeded() ? "ok" : again.describe()) + ")");
    }

    /**
     * Called by the route's error handler: one log line, the status --once and health report, and a retry of
     * the same state after a growing delay (a reload that failed because the proxy was busy or not yet started
     * must not wait for the next Consul change, which may be hours away).
     */
    public void failed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String why = e == null ? "unknown error" : e.getMessage();
        status = new TargetStatus(TargetStatus.Result.FAILED, Instant.now(), why);
        metrics.failed();
        Duration retryIn = retryBackoff.nextDelay();
        exchange.setProperty(QuiesceEndpoint.RETRY_AFTER, retryIn);
        LOG.error("event=install-failed target={} retry_in_ms={} error=\"{}\"", name(), retryIn.toMillis(), why);
    }
}
