package io.lbsync.install;

import io.lbsync.command.BoundedCommandExecutor;
import io.lbsync.command.CommandLine;
import io.lbsync.command.CommandRunner;
import io.lbsync.config.Durations;
import io.lbsync.config.Executables;
import io.lbsync.config.InstallMode;
import io.lbsync.config.TargetKind;
import io.lbsync.config.TargetSettings;
import io.lbsync.reload.CommandReloader;
import io.lbsync.reload.MasterSocketReloader;
import io.lbsync.reload.NewWorkersCheck;
import io.lbsync.reload.Reloader;
import io.lbsync.render.SandboxedFreemarker;
import io.lbsync.render.TargetTemplateLoader;
import io.lbsync.render.TemplateParams;
import io.lbsync.runtimeapi.RuntimeApi;
import io.lbsync.runtimeapi.RuntimeMembership;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the install route (routes/targets.yaml) calls, from lbsync.targets: one {@link ConfigTarget} bean per
 * target, named after it; "targets" (the error handler); the freemarker: component's sandboxed configuration
 * ({@value #FREEMARKER}) with every target's template; camel-exec's binding ({@value #COMMAND_BINDING}) and bounded
 * executor ({@value #COMMAND_EXECUTOR}); and one route per enabled-or-not target from the route template
 * "install-target". Settings are checked here, so a mistake is reported with the property's name before anything runs.
 */
public final class InstallPipeline {
    /** Registry names the shipped route refers to (RouteNamesTest checks routes/targets.yaml against them). */
    public static final String FREEMARKER = "lbsyncFreemarker";
    public static final String COMMAND_BINDING = "lbsyncCommandBinding";
    public static final String COMMAND_EXECUTOR = "lbsyncCommandRunner";
    public static final String TARGETS = "targets";
    /** The route template of routes/targets.yaml; each target's route is "&lt;target&gt;-sync". */
    public static final String ROUTE_TEMPLATE = "install-target";
    private static final Logger LOG = LoggerFactory.getLogger(InstallPipeline.class);

    private final CamelContext camel;
    private final MeterRegistry metrics;
    private final CommandRunner runner;
    private final Targets histories = new Targets();
    private final TargetTemplateLoader templates = new TargetTemplateLoader();
    private final List<Added> targets = new ArrayList<>();
    /** lbsync --dry (lbsync.dry-run=true): staged files go here, never next to a live file. */
    private final Optional<Path> dryRunStaging;

    private record Added(ConfigTarget target, String templateName) {
    }

    public InstallPipeline(CamelContext camel, MeterRegistry metrics, CommandRunner runner) {
        this.camel = camel;
        this.metrics = metrics;
        this.runner = runner;
        camel.getRegistry().bind(TARGETS, histories);
        camel.getRegistry().bind(FREEMARKER, SandboxedFreemarker.create(templates));
        camel.getRegistry().bind(COMMAND_BINDING, new TargetCommandBinding());
        camel.getRegistry().bind(COMMAND_EXECUTOR, new BoundedCommandExecutor(runner));
        this.dryRunStaging = camel.getPropertiesComponent().resolveProperty("lbsync.dry-run").map(String::strip)
                .filter("true"::equals).map(v -> temporaryDirectory());
    }

    private static Path temporaryDirectory() {
        try {
            Path dir = Files.createTempDirectory("lbsync-dry-");
            dir.toFile().deleteOnExit(); // empty by then: each dry run removes its staged file
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("--dry: cannot create a temporary directory", e);
        }
    }

    public Targets histories() {
        return histories;
    }

    public List<ConfigTarget> targets() {
        return targets.stream().map(Added::target).toList();
    }

    /** Adds a target as configured, its commands checked; {@code demo}: a missing validator skips validation instead. */
    public ConfigTarget add(TargetSettings settings, boolean demo) {
        TargetSettings checked = checkCommands(settings, demo);
        return add(checked, dryRunStaging.isPresent() ? Optional.empty() : runtimeApi(checked));
    }

    /** Adds a target with the given runtime API (tests stand in for HAProxy's). */
    public ConfigTarget add(TargetSettings t, Optional<RuntimeApi> runtime) {
        Optional<Reloader> reloader = reloader(t);
        String templateName = templates.add(t.name(), t.template());
        TemplateParams params = new TemplateParams(t.name(), camel.getPropertiesComponent()::resolveProperty);
        ConfigTarget target = new ConfigTarget(t, params, reloader, new TargetMetrics(metrics, t.name()), histories.history(t.name()),
                runtime, dryRunStaging);
        camel.getRegistry().bind(t.name(), target);
        targets.add(new Added(target, templateName));
        runtime.ifPresent(r -> LOG.info("event=runtime-api target={} via=\"{}\"", t.name(), r.describe()));
        LOG.info("event=target name={} kind={} enabled={} template={} output={} install_mode={} validate=\"{}\" reload=\"{}\"",
                t.name(), t.kind().label(), t.enabled(), t.template(), t.output(), t.installMode().label(), t.validateCommand(),
                reloader.map(Reloader::describe).orElse(""));
        return target;
    }

    /**
     * One route per target from the route template, added once the context has fully started (the YAML with its
     * template is loaded by then, and a route added now starts at once; one added earlier would only be defined).
     * {@code afterwards} runs once they are added (the start-up banner's route list).
     */
    public void addRoutesOnStart(Runnable afterwards) {
        AtomicBoolean added = new AtomicBoolean();
        try {
            camel.addStartupListener(new StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                    // the routes come in onCamelContextFullyStarted
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                    if (added.getAndSet(true)) {
                        return; // called again for each route added later (these very routes, a reloaded route file)
                    }
                    addRoutes();
                    afterwards.run();
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot add the install routes", e);
        }
    }

    /** One route per target from the route template "install-target" (id "&lt;target&gt;-sync"). */
    public void addRoutes() throws Exception {
        for (Added a : targets) {
            TemplatedRouteBuilder.builder(camel, ROUTE_TEMPLATE).routeId(a.target().name() + "-sync")
                    .parameter("target", a.target().name())
                    .parameter("template", a.templateName())
                    .parameter("enabled", String.valueOf(a.target().settings().enabled())).add();
        }
    }

    /** A validate/reload binary that does not exist is a start-up error; in demo mode validation is skipped instead. */
    private static TargetSettings checkCommands(TargetSettings t, boolean demo) {
        if (!t.enabled()) {
            return t;
        }
        checkOutputDirectory(t);
        String validateProperty = "lbsync." + t.name() + ".validate-command";
        Optional<String> validator = t.validates() ? missing(validateProperty, t.validateCommand()) : Optional.empty();
        if (validator.isPresent()) {
            if (!demo) {
                throw new IllegalArgumentException(validator.get()
                        + "; install it, or set the property to an empty value to skip validation (unsafe)");
            }
            // the demo is for trying lbsync without a proxy: say what it skips, but it is no fault (INFO)
            LOG.info("event=validation-skipped target={} reason=\"{} is not installed (demo mode)\"", t.name(),
                    CommandLine.split(validateProperty, t.validateCommand()).get(0));
            t = t.withoutValidation();
        } else if (!t.validates()) {
            LOG.warn("event=validation-disabled target={} reason=\"lbsync.{}.validate-command is empty\"", t.name(), t.name());
        }
        if (!t.reloadCommand().isEmpty()) {
            Optional<String> reload = missing("lbsync." + t.name() + ".reload-command", t.reloadCommand());
            if (reload.isPresent()) {
                throw new IllegalArgumentException(reload.get() + "; install it or correct the property");
            }
        }
        return t;
    }

    /**
     * The new config is written next to the live file (and .bak kept there): its directory must exist and be writable.
     * In place, the live file itself is written too.
     */
    private static void checkOutputDirectory(TargetSettings t) {
        Path dir = t.output().getParent();
        String property = "lbsync." + t.name() + ".output";
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(property + ": directory " + dir + " does not exist (create it, writable by lbsync)");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(property + ": directory " + dir + " is not writable by lbsync (the new config is "
                    + "written next to " + t.output().getFileName() + ", then renamed over it)");
        }
        if (t.installMode() == InstallMode.IN_PLACE && Files.exists(t.output()) && !Files.isWritable(t.output())) {
            throw new IllegalArgumentException(property + ": " + t.output() + " is not writable by lbsync, which "
                    + "lbsync." + t.name() + ".install-mode=in-place needs (the new config is written into it)");
        }
    }

    /** Why the command's binary cannot be run, naming the property: "lbsync.x.reload-command: 'y' not found in PATH (...)". */
    private static Optional<String> missing(String property, String command) {
        String binary = CommandLine.split(property, command).get(0);
        if (Executables.find(binary).isPresent()) {
            return Optional.empty();
        }
        String where = binary.contains("/") ? " (no executable file at " + Path.of(binary).toAbsolutePath() + ")"
                : " in PATH (" + Executables.searchPath() + ")";
        return Optional.of(property + ": '" + binary + "' not found" + where);
    }

    /**
     * lbsync.&lt;target&gt;.runtime-api=true: membership-only changes through HAProxy's runtime API, reached through the
     * master CLI (lbsync.&lt;target&gt;.master-socket, required). Only a target of kind haproxy has it.
     */
    private Optional<RuntimeApi> runtimeApi(TargetSettings t) {
        String property = "lbsync." + t.name() + ".runtime-api";
        String value = camel.getPropertiesComponent().resolveProperty(property).orElse("false").strip();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(property + ": '" + value + "' is not true or false");
        }
        if (!t.enabled() || value.equals("false")) {
            return Optional.empty();
        }
        if (t.kind() != TargetKind.HAPROXY) {
            throw new IllegalArgumentException(property + ": only HAProxy has a runtime API lbsync can use (lbsync." + t.name()
                    + ".kind is " + t.kind().label() + ")");
        }
        if (t.masterSocket().isEmpty()) {
            throw new IllegalArgumentException(property + "=true needs lbsync." + t.name() + ".master-socket (HAProxy started as "
                    + "haproxy -W -S <socket>): the runtime API is reached through the master CLI");
        }
        String deleteWait = property + ".delete-wait";
        Duration wait = Durations.parse(deleteWait, camel.getPropertiesComponent().resolveProperty(deleteWait).orElse("2s"));
        return Optional.of(new RuntimeMembership(Path.of(t.masterSocket()), wait));
    }

    private Optional<Reloader> reloader(TargetSettings t) {
        if (!t.masterSocket().isEmpty()) {
            return Optional.of(new MasterSocketReloader(Path.of(t.masterSocket()), t.reloadTimeout()));
        }
        if (!t.reloadCommand().isEmpty()) {
            List<String> argv = CommandLine.split("lbsync." + t.name() + ".reload-command", t.reloadCommand());
            Optional<NewWorkersCheck> newWorkers = t.pidFile().isEmpty() ? Optional.empty()
                    : Optional.of(new NewWorkersCheck(Path.of(t.pidFile()), t.reloadTimeout()));
            return Optional.of(new CommandReloader(runner, argv, t.reloadTimeout(), newWorkers));
        }
        return Optional.empty();
    }
}
