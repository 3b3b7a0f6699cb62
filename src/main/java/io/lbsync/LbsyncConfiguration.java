package io.lbsync;

import io.lbsync.cleanup.AgentUrls;
import io.lbsync.cleanup.CatalogReads;
import io.lbsync.cleanup.DuplicateCleanup;
import io.lbsync.cleanup.OwningAgent;
import io.lbsync.cleanup.RegistrationGuard;
import io.lbsync.config.ConsulSettings;
import io.lbsync.config.Durations;
import io.lbsync.config.Executables;
import io.lbsync.config.LogLevel;
import io.lbsync.config.Settings;
import io.lbsync.config.TargetKind;
import io.lbsync.config.TargetSettings;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.install.CommandLine;
import io.lbsync.install.CommandReloader;
import io.lbsync.install.CommandRunner;
import io.lbsync.install.ConfigTarget;
import io.lbsync.install.ImplausibleChangeGuard;
import io.lbsync.install.MassDropCorroboration;
import io.lbsync.watch.ConsulResync;
import io.lbsync.install.TargetMetrics;
import io.lbsync.install.MasterSocketReloader;
import io.lbsync.install.RuntimeMembership;
import io.lbsync.install.NewWorkersCheck;
import io.lbsync.install.Reloader;
import io.lbsync.install.Targets;
import io.lbsync.leader.ConsulLeaderElection;
import io.lbsync.leader.LeaderSettings;
import io.lbsync.metrics.LbsyncMetrics;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.render.RejectedValues;
import io.lbsync.render.TemplateParams;
import io.lbsync.status.HealthRules;
import io.lbsync.status.LbsyncHealthCheck;
import io.lbsync.status.Redaction;
import io.lbsync.status.StatusReport;
import io.lbsync.watch.WatchHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the named beans the YAML routes call (consulState, haproxy, ...) from lbsync.* properties, and
 * checks those properties at start-up so a mistake is reported with the property's name before anything runs.
 */
public class LbsyncConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(LbsyncConfiguration.class);

    @Override
    public void configure(CamelContext camel) {
        Settings settings = new Settings(camel.getPropertiesComponent()::resolveProperty);
        ConsulSettings consul = ConsulSettings.from(settings);
        Path routes = Path.of(settings.string("lbsync.routes", "routes")).toAbsolutePath();
        if (!Files.isDirectory(routes)) {
            throw new IllegalArgumentException("lbsync.routes: " + routes + " is not a directory (it holds the YAML routes)");
        }
        boolean demo = settings.bool("lbsync.demo", false);
        CommandRunner runner = new CommandRunner();
        boolean kv = settings.bool("lbsync.kv.enabled", true);
        String kvPrefix = settings.string("lbsync.kv.prefix", "lbsync/");
        ConsulStateStore state = new ConsulStateStore(kv, kvPrefix);
        camel.getRegistry().bind("consulState", state);
        LbsyncMetrics metrics = new LbsyncMetrics();
        metrics.exportThrough(camel);
        WatchHealth watchHealth = new WatchHealth();
        camel.getRegistry().bind("watchHealth", watchHealth);
        metrics.watch(watchHealth, state);
        metrics.rejectedValues(RejectedValues.shared());
        camel.getRegistry().bind("targets", new Targets(camel));
        ConsulClientFactory consulClients = consulClients(camel, consul);
        MassDropCorroboration corroboration = new MassDropCorroboration(consulClients.client().withTimeout(Duration.ofSeconds(10)),
                consul.datacenter());
        ConsulResync resync = new ConsulResync();
        camel.getRegistry().bind("consulResync", resync);
        ImplausibleChangeGuard guard = new ImplausibleChangeGuard(settings.integer("lbsync.guard.max-drop-percent", 50),
                settings.integer("lbsync.guard.mass-drop-percent", 50), settings.duration("lbsync.guard.confirm-after", "30s"),
                corroboration::judge, resync::request, Clock.systemUTC());
        camel.getRegistry().bind("changeGuard", guard);
        metrics.guard(guard);
        settings.optional("lbsync.log.level").ifPresent(LogLevel::apply);
        LOG.info("event=starting consul={} token={} wait={} routes={} wait_min={} wait_max={} kv_prefix={}", consul.url(), consul.token(),
                consul.blockingWait(), routes, settings.string("lbsync.wait.min", "-"), settings.string("lbsync.wait.max", "-"),
                kv ? kvPrefix : "(off)");
        List<ConfigTarget> targets = new ArrayList<>();
        for (TargetSettings target : TargetSettings.all(settings)) {
            targets.add(bindTarget(camel, runner, checkCommands(target, demo), metrics));
        }
        instantiateInstallRoutes(camel, targets);
        bindCleanup(camel, settings, consulClients, state, metrics);
        bindStatus(camel, settings, consul, state, kv, targets);
    }

    /**
     * The process's one Consul HTTP stack (bean "consulClients"): the watches (consul-watch finds it in the registry),
     * the leader election, the cleanup, the registration guard and the change guard all call Consul through it.
     */
    private static ConsulClientFactory consulClients(CamelContext camel, ConsulSettings consul) {
        ConsulClientFactory factory = ConsulClientFactory.create(consul);
        camel.getRegistry().bind("consulClients", factory);
        try {
            camel.addService(factory, true); // closed when the context stops
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the Consul client", e);
        }
        return factory;
    }

    /** The last lines of the start-up banner: every route, with where it reads from. */
    private static void logRoutes(CamelContext camel) {
        camel.getRoutes().forEach(r -> LOG.info("event=route id={} from=\"{}\" auto_startup={}", r.getRouteId(),
                r.getEndpoint().getEndpointUri(), r.isAutoStartup()));
    }

    /**
     * GET /status (bean "status", routes/status.yaml) and lbsync's health checks: Camel's health-check registry
     * finds HealthCheck beans in the registry, and the management server serves them at /observe/health.
     */
    private static void bindStatus(CamelContext camel, Settings settings, ConsulSettings consul, ConsulStateStore state,
                                   boolean kv, List<ConfigTarget> targets) {
        Duration grace = settings.duration("lbsync.health.watch-grace", "60s");
        WatchHealth watches = camel.getRegistry().lookupByNameAndType("watchHealth", WatchHealth.class);
        Targets histories = camel.getRegistry().lookupByNameAndType("targets", Targets.class);
        ImplausibleChangeGuard guard = camel.getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class);
        HealthRules rules = new HealthRules(watches, guard, state, kv, targets, histories, grace, Clock.systemUTC());
        Redaction redaction = new Redaction(consul.token()::current);
        camel.getRegistry().bind("lbsyncConsulHealth", LbsyncHealthCheck.consul(rules, redaction));
        camel.getRegistry().bind("lbsyncTargetsHealth", LbsyncHealthCheck.targets(rules, redaction));
        camel.getRegistry().bind("status", new StatusReport(state, watches, targets, histories, rules,
                camel.getRegistry().lookupByNameAndType("cleanup", DuplicateCleanup.class), redaction, Clock.systemUTC()));
    }

    /**
     * The duplicate cleanup (bean "cleanup") and the registration guard (bean "registrationGuard"), plus the
     * Consul lock that makes master: routes run on one lbsync instance only.
     */
    private static void bindCleanup(CamelContext camel, Settings settings, ConsulClientFactory consulClients, ConsulStateStore state,
                                    LbsyncMetrics metrics) {
        ConsulSettings consul = consulClients.settings();
        ConsulLeaderElection election = new ConsulLeaderElection(consulClients.client(), LeaderSettings.from(settings));
        try {
            camel.addService(election); // docs/design-notes.md: only this way does the master: component find it in camel-main
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the leader election", e);
        }
        ConsulClient api = consulClients.client().withTimeout(settings.duration("lbsync.cleanup.agent-timeout", "10s"));
        CatalogReads reads = new CatalogReads(api, consul.datacenter());
        AgentUrls urls = new AgentUrls(settings.string(AgentUrls.PROPERTY, "http://{address}:8500"), settings::optional);
        boolean dryRun = settings.bool("lbsync.cleanup.dry-run", true);
        DuplicateCleanup cleanup = new DuplicateCleanup(state, reads, new OwningAgent(api, urls), dryRun,
                () -> election.isLeader(DuplicateCleanup.LEADER_NAMESPACE), () -> election.leaderOf(DuplicateCleanup.LEADER_NAMESPACE),
                Clock.systemUTC());
        camel.getRegistry().bind("cleanup", cleanup);
        metrics.cleanup(cleanup.counters());
        camel.getRegistry().bind("registrationGuard", new RegistrationGuard(api, reads, urls, state));
        LOG.info("event=cleanup enabled={} dry_run={} interval={} agent_url={} registration_guard={}",
                settings.bool("lbsync.cleanup.enabled", true), dryRun, settings.string("lbsync.cleanup.interval", "30s"),
                settings.string(AgentUrls.PROPERTY, "http://{address}:8500"), settings.bool("lbsync.registration-guard.enabled", false));
    }

    /**
     * The install route of every target: one instance of routes/targets.yaml's route template "install-target" each
     * (route id "&lt;target&gt;-sync"), added when the context has started.
     */
    private static void instantiateInstallRoutes(CamelContext camel, List<ConfigTarget> targets) {
        try {
            // added once the context started (the YAML with its template is loaded by then): each route starts at once
            // added once the context has fully started (the YAML with its template is loaded, and a route added now
            // starts at once; one added earlier in the start-up would only be defined)
            camel.addStartupListener(new StartupListener() {
                private final java.util.concurrent.atomic.AtomicBoolean added = new java.util.concurrent.atomic.AtomicBoolean();

                @Override
                public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                    // the routes come in onCamelContextFullyStarted
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                    if (added.getAndSet(true)) {
                        return; // called again for each route added later (these very routes, a reloaded route file)
                    }
                    for (ConfigTarget t : targets) {
                        TemplatedRouteBuilder.builder(context, "install-target").routeId(t.name() + "-sync")
                                .parameter("target", t.name()).parameter("enabled", String.valueOf(t.settings().enabled())).add();
                    }
                    logRoutes(context);
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot add the install routes", e);
        }
    }

    /** One target = one bean named after it, whose methods are the steps of routes/targets.yaml. */
    private static ConfigTarget bindTarget(CamelContext camel, CommandRunner runner, TargetSettings target, LbsyncMetrics metrics) {
        Optional<Reloader> reloader = reloader(target, runner);
        TemplateParams params = new TemplateParams(target.name(), camel.getPropertiesComponent()::resolveProperty);
        Optional<RuntimeMembership> runtime = runtimeApi(target, camel);
        ConfigTarget bean = new ConfigTarget(target, params, runner, reloader, new TargetMetrics(metrics.registry(), target.name()),
                runtime);
        camel.getRegistry().bind(target.name(), bean);
        runtime.ifPresent(r -> LOG.info("event=runtime-api target={} via=\"{}\"", target.name(), r.describe()));
        LOG.info("event=target name={} kind={} enabled={} template={} output={} validate=\"{}\" reload=\"{}\"", target.name(),
                target.kind().label(), target.enabled(), target.template(), target.output(), target.validateCommand(),
                reloader.map(Reloader::describe).orElse(""));
        return bean;
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
            LOG.warn("event=validation-skipped target={} reason=\"{} is not installed (demo mode)\"", t.name(),
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

    /** The live file is replaced by renaming a file written next to it: its directory must exist and be writable. */
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
     * lbsync.haproxy.runtime-api=true: membership-only changes through HAProxy's runtime API, reached through the master
     * CLI (lbsync.haproxy.master-socket, required). Only the haproxy target has it.
     */
    private static Optional<RuntimeMembership> runtimeApi(TargetSettings t, CamelContext camel) {
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
            throw new IllegalArgumentException(property + "=true needs lbsync.haproxy.master-socket (HAProxy started as "
                    + "haproxy -W -S <socket>): the runtime API is reached through the master CLI");
        }
        Duration deleteWait = Durations.parse("lbsync.haproxy.runtime-api.delete-wait",
                camel.getPropertiesComponent().resolveProperty("lbsync.haproxy.runtime-api.delete-wait").orElse("2s"));
        return Optional.of(new RuntimeMembership(Path.of(t.masterSocket()), deleteWait));
    }

    private static Optional<Reloader> reloader(TargetSettings t, CommandRunner runner) {
        if (!t.masterSocket().isEmpty()) {
            return Optional.of(new MasterSocketReloader(Path.of(t.masterSocket()), t.reloadTimeout()));
        }
        if (!t.reloadCommand().isEmpty()) {
            List<String> argv = CommandLine.split("lbsync." + t.name() + ".reload-command", t.reloadCommand());
            Reloader command = new CommandReloader(runner, argv, t.reloadTimeout());
            return Optional.of(t.pidFile().isEmpty() ? command
                    : new NewWorkersCheck(command, Path.of(t.pidFile()), t.reloadTimeout()));
        }
        return Optional.empty();
    }
}
