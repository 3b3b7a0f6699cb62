package io.lbsync.render;

import io.lbsync.model.WarningPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.render.RejectedValues.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rejected values: logged and counted once when they appear, not on every render; by field; log-safe. */
class RejectedValuesTest {
    private final RejectedValues rejected = new RejectedValues();
    private final TemplateModelBuilder builder = new TemplateModelBuilder(rejected, WarningPolicy.SERVE);
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<Capture> captures = new ArrayList<>();

    @BeforeEach
    void captureLogs() {
        for (Class<?> source : List.of(TemplateModelBuilder.class, Environments.class, SiteParser.class)) {
            Capture c = new Capture((Logger) LogManager.getLogger(source));
            c.start();
            c.logger.addAppender(c);
            captures.add(c);
        }
    }

    @AfterEach
    void stopCapturing() {
        captures.forEach(c -> {
            c.logger.removeAppender(c);
            c.stop();
        });
    }

    private final class Capture extends AbstractAppender {
        private final Logger logger;

        Capture(Logger logger) {
            super("rejected-values-test", null, null, true, Property.EMPTY_ARRAY);
            this.logger = logger;
        }

        @Override
        public void append(LogEvent event) {
            log.add(event.getMessage().getFormattedMessage());
        }
    }

    private static ServiceInstance web(String id, String address, int port, String... tags) {
        return ServiceInstance.of("web", id, "n1", "10.0.0.1", address, port, List.of(tags), Map.of(), HealthStatus.PASSING);
    }

    private static ConsulState state(Map<String, String> kv, ServiceInstance... instances) {
        return new ConsulState(CatalogSnapshot.of(1, Map.of("web", new ServiceInstances("web", 1, List.of(instances)))),
                KvSnapshot.of(1, "lbsync/", kv));
    }

    private void render(String target, ConsulState state) {
        builder.build(state, new TemplateParams(target, k -> Optional.empty()));
    }

    @Test
    void eachRejectionIsLoggedAndCountedOnceWhileTheValueStays() {
        ConsulState bad = state(Map.of("sites/shop", "{\"listen\": \"80; include /etc/passwd\", \"routes\": {\"/\": \"web\"}}"),
                web("ok", "10.0.0.11", 80),
                web("bad-address", "10.0.0.1\n    server evil 6.6.6.6:80", 80),
                web("bad-port", "10.0.0.12", 70000, "lbsync.host=shop.example.com use_backend evil", "env=Prod"));
        render("haproxy", bad);
        render("haproxy", bad);   // the same state again (a retry, an unrelated change): nothing new
        render("nginx", bad);     // the other target renders the same state: nothing new either
        assertThat(rejected.counts()).containsEntry("address", 1L).containsEntry("port", 0L).containsEntry("env", 1L)
                .containsEntry("site_listen", 1L);
        // bad-port declares an invalid environment: rejected for that before its port is looked at
        assertThat(rejected.count(Field.ADDRESS)).isEqualTo(1);
        assertThat(rejected.count("site_listen")).isEqualTo(1);
        assertThat(rejected.total()).isEqualTo(3);
        assertThat(rejected.current(Field.ADDRESS)).isEqualTo(1);
        assertThat(log).hasSize(3);
        assertThat(log).anySatisfy(l -> assertThat(l).isEqualTo("event=instance-rejected service=web id=bad-address node=n1 field=address"
                + " value=10.0.0.1_____server_evil_6.6.6.6:80 reason=\"invalid address\""));
        assertThat(log).anySatisfy(l -> assertThat(l).startsWith("event=kv-rejected key=lbsync/sites/shop field=site_listen reason="));
        assertThat(log).allSatisfy(l -> assertThat(l).doesNotContain("\n").matches("[\\x20-\\x7e]+"));
    }

    @Test
    void aValueThatGoesAndComesBackOrChangesIsReportedAgain() {
        render("haproxy", state(Map.of(), web("a", "bad address", 80)));
        render("haproxy", state(Map.of(), web("a", "10.0.0.11", 80)));            // fixed
        assertThat(rejected.current(Field.ADDRESS)).isZero();
        render("haproxy", state(Map.of(), web("a", "bad address", 80)));          // broken again
        render("haproxy", state(Map.of(), web("a", "another bad address", 80)));  // another invalid value
        assertThat(rejected.count(Field.ADDRESS)).isEqualTo(3);
        assertThat(log).hasSize(3);
    }

    @Test
    void hostNamesAndEnvironmentsAreCountedByField() {
        render("haproxy", state(Map.of(), web("a", "10.0.0.11", 80, "lbsync.host=ok.example.com", "lbsync.host=a.com;b"),
                web("b", "10.0.0.12", 80, "env=prod", "env=staging")));
        assertThat(rejected.counts()).containsEntry("host", 1L).containsEntry("env", 1L).containsEntry("address", 0L);
        assertThat(log).anySatisfy(l -> assertThat(l).isEqualTo(
                "event=host-rejected service=web id=a node=n1 field=host value=a.com_b reason=\"not a host name\""));
        assertThat(log).anySatisfy(l -> assertThat(l).isEqualTo(
                "event=instance-rejected service=web id=b node=n1 field=env value=prod_staging reason=\"conflicting env declarations\""));
    }

    @Test
    void reportIsThreadSafe() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String scope = "target-" + t;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    rejected.report(scope, List.of(new RejectedValues.Rejection(Field.PORT, RejectedValuesTest.class,
                            "event=test n=" + i, Integer.toString(i))));
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        // every scope reports the same 100 values one after the other: each counted at least once, never more than 4 times
        assertThat(rejected.count(Field.PORT)).isBetween(100L, 400L);
        assertThat(rejected.total()).isEqualTo(rejected.count(Field.PORT));
    }
}
