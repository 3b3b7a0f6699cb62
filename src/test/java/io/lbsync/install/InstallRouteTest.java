package io.lbsync.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.command.CommandRunner;
import io.lbsync.config.FileMode;
import io.lbsync.config.InstallMode;
import io.lbsync.config.TargetKind;
import io.lbsync.config.TargetSettings;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.guard.MassDropCorroboration;
import io.lbsync.model.WarningPolicy;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.runtimeapi.RuntimeApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install route as it ships — routes/targets.yaml's route template, guard and runtime-API steps included — on
 * camel-test, with real files, the real haproxy -c and real commands run through its exec: steps. Only Consul (a
 * state put into the store) and the HAProxy runtime API (a stand-in that answers as told) are not real here; the
 * ITs (e2e/) run the same route on real Consul and a real HAProxy.
 */
class InstallRouteTest extends CamelTestSupport {
    private static final String VALID_HAPROXY = "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n"
            + "    timeout server 1s\nlisten web\n    bind 127.0.0.1:18099\n    server s1 127.0.0.1:9\n";
    private static final String PREVIOUS = "# the previous, working config\n";
    @TempDir
    Path dir;
    private Path live;
    private Path reloads;
    private final ConsulStateStore state = new ConsulStateStore(false, "lbsync/");
    private InstallPipeline pipeline;
    private ConfigTarget target;
    private final AtomicInteger runtimeCalls = new AtomicInteger();
    private RuntimeApi.Result runtimeAnswer = RuntimeApi.Result.APPLIED;

    /** What each test changes: the template, the reload command and whether the runtime API is on. */
    private String templateLocation = "classpath:templates/haproxy.cfg.ftl";
    private String reloadCommand;
    private boolean runtimeApi;
    private InstallMode installMode = InstallMode.RENAME;

    @Override
    public boolean isUseRouteBuilder() {
        return false; // the routes are the shipped YAML, loaded below
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext camel = super.createCamelContext();
        Properties p = new Properties();
        p.put("lbsync.wait.min", "0s");
        p.put("lbsync.wait.max", "0s");
        camel.getPropertiesComponent().setInitialProperties(p);
        camel.getRegistry().bind("consulState", state);
        camel.getRegistry().bind("changeGuard", new ImplausibleChangeGuard(50, 50, Duration.ofMinutes(5),
                (before, vanished) -> new MassDropCorroboration.Verdict(false, "not corroborated in this test"), () -> { },
                Clock.systemUTC()));
        Resource targets = ResourceHelper.resolveMandatoryResource(camel, "file:routes/targets.yaml");
        PluginHelper.getRoutesLoader(camel).loadRoutes(targets);
        return camel;
    }

    /** Sets up the target "haproxy" as configured by the fields and adds its route from the shipped template. */
    private ConfigTarget start() throws Exception {
        live = dir.resolve("haproxy.cfg");
        reloads = dir.resolve("reloads");
        Files.writeString(live, PREVIOUS);
        if (reloadCommand == null) {
            reloadCommand = "touch " + reloads; // a real command, leaving a trace
        }
        var settings = new TargetSettings("haproxy", TargetKind.HAPROXY, true, templateLocation, live, "haproxy -c -q -f {file}",
                reloadCommand, Duration.ofSeconds(10), Duration.ofSeconds(2), "", "", FileMode.parse("test", "0640"),
                installMode, WarningPolicy.SERVE, Duration.ZERO);
        pipeline = new InstallPipeline(context, new SimpleMeterRegistry(), new CommandRunner(Duration.ofMillis(200)));
        Optional<RuntimeApi> runtime = runtimeApi ? Optional.of(new RuntimeApi() {
            @Override
            public Outcome apply(String beforeConfig, String afterConfig) {
                runtimeCalls.incrementAndGet();
                // like HAProxy's: a previous file without servers (the hand-written one) is a structural change
                Result result = beforeConfig.contains("server ") ? runtimeAnswer : Result.STRUCTURAL;
                return new Outcome(result, 1, result == Result.APPLIED ? "" : "as told by the test");
            }

            @Override
            public Map<String, Integer> sessions() {
                return Map.of();
            }

            @Override
            public String describe() {
                return "test runtime API";
            }
        }) : Optional.empty();
        ConfigTarget target = pipeline.add(settings, runtime);
        this.target = target;
        context.start(); // not started by camel-test without a route builder
        pipeline.addRoutes();
        return target;
    }

    private static ServiceInstance web(int i, HealthStatus status) {
        return ServiceInstance.of("web", "web-" + i, "n1", "127.0.0.1", "", 9000 + i, List.of(), Map.of(), status);
    }

    /** Puts a Consul state with web-0..web-(n-1) into the store and runs the route once over it. */
    private void runWith(int instances) {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            list.add(web(i, HealthStatus.PASSING));
        }
        state.updateCatalog(CatalogSnapshot.of(instances + 1, Map.of("web", new ServiceInstances("web", instances + 1, list))));
        // the run's own exchange, not the copies enrich sends to freemarker: (those end with a text body)
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("haproxy-sync")
                .filter(e -> e.getMessage().getBody() instanceof InstallRun).whenDone(1).create();
        TargetStatus before = target.status();
        long holds = context.getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class).holds();
        template.sendBody("quiesce:consul-changes", "change");
        assertThat(done.matches(30, TimeUnit.SECONDS)).as("the route ran").isTrue();
        // and this run, not an earlier one, set the outcome (or the guard held it)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> target.status() != before
                || context.getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class).holds() > holds);
    }

    private String liveText() throws Exception {
        return Files.readString(live);
    }

    @Test
    void aValidConfigIsInstalledThePreviousOneKeptAsBakAndTheProxyReloaded() throws Exception {
        ConfigTarget target = start();
        runWith(1);
        assertThat(liveText()).contains("server web-0 127.0.0.1:9000");
        assertThat(Files.readString(dir.resolve("haproxy.cfg.bak"))).isEqualTo(PREVIOUS);
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).doesNotExist();
        assertThat(reloads).exists();
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
    }

    /** A hard link made before the install stands in for a container's single-file bind mount of the live file. */
    private Path heldByBindMount() throws Exception {
        return Files.createLink(Files.createDirectories(dir.resolve("container")).resolve("haproxy.cfg"), live);
    }

    @Test
    void inPlaceTheValidatedConfigReachesTheInodeABindMountHolds() throws Exception {
        installMode = InstallMode.IN_PLACE;
        ConfigTarget target = start();
        Path container = heldByBindMount();
        runWith(1);
        assertThat(Files.readString(container)).contains("server web-0 127.0.0.1:9000").isEqualTo(liveText());
        assertThat(Files.isSameFile(container, live)).isTrue();
        assertThat(Files.readString(dir.resolve("haproxy.cfg.bak"))).isEqualTo(PREVIOUS);
        assertThat(reloads).exists();
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
    }

    @Test
    void inPlaceAFailingReloadPutsThePreviousBytesBackIntoTheSameInode() throws Exception {
        installMode = InstallMode.IN_PLACE;
        reloadCommand = "false";
        ConfigTarget target = start();
        Path container = heldByBindMount();
        runWith(1);
        assertThat(target.status().detail()).contains("reload failed").contains("previous config put back");
        assertThat(Files.readString(container)).isEqualTo(PREVIOUS);
        assertThat(liveText()).isEqualTo(PREVIOUS);
        assertThat(Files.isSameFile(container, live)).as("still the inode the bind mount holds").isTrue();
    }

    @Test
    void aTemplateThatRendersAnInvalidConfigNeverReplacesTheLiveFile() throws Exception {
        templateLocation = template("global\n    no-such-directive ${services?size}\n");
        ConfigTarget target = start();
        runWith(1);
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.FAILED);
        assertThat(target.status().detail()).contains("validation rejected").contains("exit 1");
        assertThat(liveText()).isEqualTo(PREVIOUS);
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).doesNotExist();
        assertThat(reloads).doesNotExist();
    }

    @Test
    void aBrokenTemplateNeverReplacesTheLiveFileAndIsNamed() throws Exception {
        templateLocation = template("global\n ${no.such.value}\n");
        ConfigTarget target = start();
        runWith(1);
        assertThat(target.status().detail()).contains("custom.cfg.ftl").contains("no");
        assertThat(liveText()).isEqualTo(PREVIOUS);
    }

    @Test
    void aTemplateEditTakesEffectOnTheNextRender() throws Exception {
        templateLocation = template(VALID_HAPROXY + "# version one\n");
        start();
        runWith(1);
        assertThat(liveText()).contains("version one");
        Files.writeString(Path.of(templateLocation), VALID_HAPROXY + "# version two\n");
        Files.setLastModifiedTime(Path.of(templateLocation), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
        runWith(2);
        assertThat(liveText()).contains("version two");
    }

    @Test
    void aBlankRenderIsRefused() throws Exception {
        templateLocation = template("<#-- nothing -->\n   \n");
        ConfigTarget target = start();
        runWith(1);
        assertThat(target.status().detail()).contains("empty config");
        assertThat(liveText()).isEqualTo(PREVIOUS);
    }

    @Test
    void aFailingReloadPutsThePreviousFileBack() throws Exception {
        reloadCommand = "false";
        ConfigTarget target = start();
        runWith(1);
        assertThat(target.status().detail()).contains("reload failed").contains("previous config put back");
        assertThat(liveText()).isEqualTo(PREVIOUS);
    }

    @Test
    void aHangingReloadIsKilledAtItsTimeoutAndRolledBack() throws Exception {
        reloadCommand = "sleep 30";
        ConfigTarget target = start();
        long t0 = System.nanoTime();
        runWith(1);
        // two reloads (the new file, then the previous one again), each killed at its 2 s timeout
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        assertThat(target.status().detail()).contains("timed out after 2s").contains("killed");
        assertThat(liveText()).isEqualTo(PREVIOUS);
    }

    @Test
    void unchangedBytesSkipValidationAndReload() throws Exception {
        ConfigTarget target = start();
        runWith(1);
        long before = Files.getLastModifiedTime(live).toMillis();
        Files.delete(reloads);
        runWith(1);
        assertThat(Files.getLastModifiedTime(live).toMillis()).isEqualTo(before);
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.UNCHANGED);
        assertThat(reloads).doesNotExist();
    }

    @Test
    void theGuardHoldsAStateThatEmptiesABackend() throws Exception {
        ConfigTarget target = start();
        runWith(2);
        String installed = liveText();
        runWith(0);
        assertThat(liveText()).isEqualTo(installed);
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
        assertThat(context.getRegistry().lookupByNameAndType("changeGuard", ImplausibleChangeGuard.class).holdsNow())
                .containsKey("haproxy");
    }

    @Test
    void aChangeTheRuntimeApiAppliedIsInstalledWithoutAReload() throws Exception {
        runtimeApi = true;
        ConfigTarget target = start();
        runWith(1); // the first install: nothing running to change, a reload
        assertThat(reloads).exists();
        Files.delete(reloads);
        runtimeCalls.set(0);
        runWith(2);
        assertThat(runtimeCalls).hasValue(1);
        assertThat(liveText()).contains("127.0.0.1:9001");
        assertThat(reloads).as("no reload after the runtime API applied the change").doesNotExist();
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
    }

    @Test
    void aChangeTheRuntimeApiCannotApplyIsReloaded() throws Exception {
        runtimeApi = true;
        runtimeAnswer = RuntimeApi.Result.STRUCTURAL;
        start();
        runWith(1);
        Files.delete(reloads);
        runtimeCalls.set(0);
        runWith(2);
        assertThat(runtimeCalls).hasValue(1);
        assertThat(reloads).exists();
    }

    private String template(String text) throws Exception {
        Path t = dir.resolve("custom.cfg.ftl");
        Files.writeString(t, text);
        return t.toString();
    }
}
