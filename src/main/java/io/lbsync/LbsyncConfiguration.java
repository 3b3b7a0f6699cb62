package io.lbsync;

import io.lbsync.cleanup.AgentUrls;
import io.lbsync.cleanup.CatalogReads;
import io.lbsync.cleanup.DuplicateCleanup;
import io.lbsync.cleanup.OwningAgent;
import io.lbsync.cleanup.RegistrationGuard;
import io.lbsync.config.ConsulSettings;
import io.lbsync.config.DatacenterList;
import io.lbsync.config.LogLevel;
import io.lbsync.config.Settings;
import io.lbsync.config.TargetSettings;
import io.lbsync.command.CommandRunner;
import io.lbsync.consul.ConsulAgents;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.install.ConfigTarget;
import io.lbsync.install.InstallPipeline;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.guard.MassDropCorroboration;
import io.lbsync.watch.ConsulResync;
import io.lbsync.watch.RemoteDatacenters;
import io.lbsync.install.Targets;
import io.lbsync.leader.ConsulLeaderElection;
import io.lbsync.leader.LeaderSettings;
import io.lbsync.metrics.LbsyncMetrics;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.model.WarningPolicy;
import io.lbsync.render.RejectedValues;
import io.lbsync.status.HealthRules;
import io.lbsync.status.LbsyncHealthCheck;
import io.lbsync.status.Redaction;
import io.lbsync.status.StatusReport;
import io.lbsync.watch.WatchHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
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
        ConsulClientFactory consulClients = consulClients(camel, consul);
        metrics.consulAgents(consulClients.agents());
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
        LOG.info("event=starting consul={} token={} wait={} routes={} wait_min={} wait_max={} kv_prefix={}",
                String.join(",", consulClients.agents().all().stream().map(ConsulAgents::forDisplay).toList()), consul.token(),
                consul.blockingWait(), routes, settings.string("lbsync.wait.min", "-"), settings.string("lbsync.wait.max", "-"),
                kv ? kvPrefix : "(off)");
        InstallPipeline install = new InstallPipeline(camel, metrics.registry(), new CommandRunner());
        for (TargetSettings target : TargetSettings.all(settings)) {
            install.add(target, demo);
        }
        RemoteDatacenters datacenters = RemoteDatacenters.resolve(DatacenterList.parse(settings.string(DatacenterList.PROPERTY, "")),
                consulClients.client());
        state.datacenters(datacenters.order());
        metrics.datacenters(datacenters.order(), watchHealth, state);
        install.addRoutesOnStart(() -> {
            addRemoteWatches(camel, datacenters);
            logRoutes(camel);
        });
        bindCleanup(camel, settings, consulClients, state, metrics);
        bindStatus(camel, settings, consulClients, state, kv, install);
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

    /** One watch route per other datacenter (routes/consul-watch.yaml, template remote-datacenter-watch). */
    private static void addRemoteWatches(CamelContext camel, RemoteDatacenters datacenters) {
        try {
            datacenters.addWatchRoutes(camel);
        } catch (Exception e) {
            throw new IllegalStateException("cannot add the watches of " + DatacenterList.PROPERTY, e);
        }
    }

    /** The last lines of the start-up banner: every route, with where it reads from. */
    private static void logRoutes(CamelContext camel) {
        camel.getRoutes().forEach(r -> LOG.info("event=route id={} from=\"{}\" auto_startup={}", r.getRouteId(),
                r.getEndpoint().getEndpointUri(), r.isAutoStartup()));
        var properties = camel.getPropertiesComponent();
        if (properties.resolveProperty("camel.server.enabled").map(Boolean::parseBoolean).orElse(false)) {
            // the address the server really binds (Camel's own summary always prints 0.0.0.0)
            LOG.info("event=http-server url=http://{}:{}/ status=/status health=/observe/health metrics=/observe/metrics",
                    properties.resolveProperty("camel.server.host").orElse("0.0.0.0"),
                    properties.resolveProperty("camel.server.port").orElse("8080"));
        }
    }

    /**
     * GET /status (bean "status", routes/status.yaml) and lbsync's health checks: Camel's health-check registry
     * finds HealthCheck beans in the registry, and the management server serves them at /observe/health.
     */
    private static void bindStatus(CamelContext camel, Settings settings, ConsulClientFactory consulClients, ConsulStateStore state,
                                   boolean kv, InstallPipeline install) {
        ConsulSettings consul = consulClients.settings();
        List<ConfigTarget> targets = install.targets();
        Targets histories = install.histories();
        Duration grace = settings.duration("lbsync.health.watch-grace", "60s");
        WatchHealth watches = camel.getRegistry().lookupByNameAndType("watchHealth", WatchHealth.class);
        ImplausibleChangeGuard guard = camel.getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class);
        HealthRules rules = new HealthRules(watches, consulClients.agents(), guard, state, kv, targets, histories, grace, Clock.systemUTC());
        Redaction redaction = new Redaction(consul.token()::current);
        camel.getRegistry().bind("lbsyncConsulHealth", LbsyncHealthCheck.consul(rules, redaction));
        camel.getRegistry().bind("lbsyncTargetsHealth", LbsyncHealthCheck.targets(rules, redaction));
        camel.getRegistry().bind("status", new StatusReport(consulClients.agents(), state, watches, guard, targets, histories, rules,
                camel.getRegistry().lookupByNameAndType("cleanup", DuplicateCleanup.class), redaction,
                WarningPolicy.parse(settings.string(WarningPolicy.PROPERTY, "serve")), Clock.systemUTC()));
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
}
