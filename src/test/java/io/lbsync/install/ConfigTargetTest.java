package io.lbsync.install;

import io.lbsync.command.CommandLine;
import io.lbsync.command.CommandRunner;
import io.lbsync.reload.CommandReloader;
import io.lbsync.reload.Reloader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.config.TargetSettings;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.render.TemplateParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The install steps on real files with the real haproxy -c, run in the order the route runs them. */
class ConfigTargetTest {
    private static final String PREVIOUS = "# the previous, working config\n";
    @TempDir
    Path dir;
    private CamelContext camel;
    private Path live;

    @BeforeEach
    void setUp() throws Exception {
        camel = new DefaultCamelContext();
        camel.start();
        live = dir.resolve("haproxy.cfg");
        Files.writeString(live, PREVIOUS);
    }

    @AfterEach
    void tearDown() {
        camel.stop();
    }

    private ConfigTarget target(String template, String reloadCommand) {
        var settings = new TargetSettings("haproxy", io.lbsync.config.TargetKind.HAPROXY, true, template, live, "haproxy -c -q -f {file}", reloadCommand,
                Duration.ofSeconds(10), Duration.ofSeconds(5), "", "", io.lbsync.config.FileMode.parse("test", "0640"));
        var runner = new CommandRunner();
        Optional<Reloader> reloader = reloadCommand.isEmpty() ? Optional.empty()
                : Optional.of(new CommandReloader(runner, CommandLine.split("reload", reloadCommand), Duration.ofSeconds(5)));
        return new ConfigTarget(settings, new TemplateParams("haproxy", k -> Optional.of("127.0.0.1:18082")), runner, reloader,
                new TargetMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "haproxy"));
    }

    private static ConsulState state() {
        var instance = ServiceInstance.of("web", "web-1", "n1", "127.0.0.1", "", 9001, List.of(), Map.of(), HealthStatus.PASSING);
        return new ConsulState(CatalogSnapshot.of(3, Map.of("web", new ServiceInstances("web", 3, List.of(instance)))),
                KvSnapshot.empty("lbsync/"));
    }

    /** The route, step by step. */
    private Exchange runPipeline(ConfigTarget target) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(target.render(state(), exchange));
        target.checkChanged(exchange);
        if (exchange.getMessage().getHeader(ConfigTarget.CHANGED, Boolean.class)) {
            target.stage(exchange);
            target.validate();
            target.swap(exchange);
            target.reload(exchange);
        }
        return exchange;
    }

    private Path template(String text) throws Exception {
        Path t = dir.resolve("custom.cfg.ftl");
        Files.writeString(t, text);
        return t;
    }

    @Test
    void aValidConfigIsInstalledAndThePreviousOneKeptAsBak() throws Exception {
        runPipeline(target("classpath:templates/haproxy.cfg.ftl", "true"));
        assertThat(Files.readString(live)).contains("server web-1 127.0.0.1:9001");
        assertThat(Files.readString(dir.resolve("haproxy.cfg.bak"))).isEqualTo(PREVIOUS);
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).doesNotExist();
    }

    @Test
    void aTemplateThatRendersAnInvalidConfigNeverReplacesTheLiveFile() throws Exception {
        ConfigTarget target = target(template("global\n    no-such-directive ${services?size}\n").toString(), "true");
        assertThatThrownBy(() -> runPipeline(target)).isInstanceOf(InstallException.class)
                .hasMessageContaining("validation rejected");
        assertThat(Files.readString(live)).isEqualTo(PREVIOUS);
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).doesNotExist();
    }

    @Test
    void aBrokenTemplateNeverReplacesTheLiveFile() throws Exception {
        ConfigTarget target = target(template("global\n ${no.such.value}\n").toString(), "true");
        assertThatThrownBy(() -> runPipeline(target)).hasMessageContaining("custom.cfg.ftl");
        assertThat(Files.readString(live)).isEqualTo(PREVIOUS);
    }

    @Test
    void aBlankRenderIsRefused() throws Exception {
        ConfigTarget target = target(template("<#-- nothing -->\n   \n").toString(), "true");
        assertThatThrownBy(() -> runPipeline(target)).hasMessageContaining("empty config");
        assertThat(Files.readString(live)).isEqualTo(PREVIOUS);
    }

    @Test
    void aFailingReloadPutsThePreviousFileBack() throws Exception {
        ConfigTarget target = target("classpath:templates/haproxy.cfg.ftl", "false");
        assertThatThrownBy(() -> runPipeline(target)).hasMessageContaining("reload failed")
                .hasMessageContaining("previous config put back");
        assertThat(Files.readString(live)).isEqualTo(PREVIOUS);
    }

    @Test
    void aHangingReloadIsKilledAtItsTimeoutAndRolledBack() throws Exception {
        ConfigTarget target = target("classpath:templates/haproxy.cfg.ftl", "sleep 30");
        long start = System.nanoTime();
        assertThatThrownBy(() -> runPipeline(target)).hasMessageContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(Files.readString(live)).isEqualTo(PREVIOUS);
    }

    @Test
    void unchangedBytesSkipValidationAndReload() throws Exception {
        ConfigTarget target = target("classpath:templates/haproxy.cfg.ftl", "true");
        runPipeline(target);
        long before = Files.getLastModifiedTime(live).toMillis();
        Thread.sleep(20);
        Exchange second = runPipeline(target);
        assertThat(second.getMessage().getHeader(ConfigTarget.CHANGED, Boolean.class)).isFalse();
        assertThat(Files.getLastModifiedTime(live).toMillis()).isEqualTo(before);
        assertThat(target.status().result()).isEqualTo(TargetStatus.Result.UNCHANGED);
    }
}
