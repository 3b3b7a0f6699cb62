package io.lbsync.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import io.lbsync.render.DrainPlan;
import io.lbsync.runtimeapi.RuntimeApi;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Drain before remove, run by run: who drains, for how long, and who comes back. */
class ServerDrainTest {
    private final AtomicLong now = new AtomicLong();
    private final Map<String, Integer> sessions = new HashMap<>();
    private boolean sessionsFail;
    private final RuntimeApi runtime = new RuntimeApi() {
        @Override
        public Outcome apply(String beforeConfig, String afterConfig) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, Integer> sessions() throws IOException {
            if (sessionsFail) {
                throw new IOException("master socket gone");
            }
            return Map.copyOf(sessions);
        }

        @Override
        public String describe() {
            return "test";
        }
    };
    private final ServerDrain drain = new ServerDrain("haproxy", runtime, Duration.ofSeconds(30), WarningPolicy.SERVE, now::get);

    private static ServiceInstance web(String id, HealthStatus status) {
        return ServiceInstance.of("web", id, "n1", "10.0.0.1", "10.0.0.1", 80, List.of(), Map.of(), status);
    }

    private static CatalogSnapshot catalog(ServiceInstance... instances) {
        return CatalogSnapshot.of(1, Map.of("web", new ServiceInstances("web", 1, List.of(instances))));
    }

    /** One render: the plan, then what the model builder would place (served or draining), then built(). */
    private DrainPlan run(CatalogSnapshot catalog) {
        DrainPlan plan = drain.plan(catalog);
        catalog.services().values().forEach(s -> s.instances().forEach(i -> {
            if (i.status() != HealthStatus.CRITICAL || plan.draining(i)) {
                plan.placed(i, "web", i.id());
            }
        }));
        plan.departed().forEach(i -> plan.placed(i, "web", i.id()));
        plan.built();
        return plan;
    }

    @Test
    void aCriticalInstanceDrainsUntilHaproxyShowsNoRequestOnIt() {
        run(catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.PASSING)));
        assertThat(drain.active()).isFalse();

        CatalogSnapshot bCritical = catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.CRITICAL));
        assertThat(run(bCritical).draining(web("b", HealthStatus.CRITICAL))).as("first run after: drains").isTrue();
        assertThat(drain.active()).isTrue();

        sessions.put("web/b", 2);
        assertThat(run(bCritical).draining(web("b", HealthStatus.CRITICAL))).as("busy: still drains").isTrue();
        sessions.put("web/b", 0);
        assertThat(run(bCritical).draining(web("b", HealthStatus.CRITICAL))).as("idle: out").isFalse();
        assertThat(drain.active()).isFalse();
        assertThat(run(bCritical).draining(web("b", HealthStatus.CRITICAL))).as("and stays out").isFalse();
    }

    @Test
    void aDeregisteredInstanceIsRenderedAsLastSeenUntilTheTimeout() {
        run(catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.PASSING)));
        sessions.put("web/b", 1);
        CatalogSnapshot bGone = catalog(web("a", HealthStatus.PASSING));
        assertThat(run(bGone).departed()).extracting(ServiceInstance::id).containsExactly("b");
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        assertThat(run(bGone).departed()).as("busy, within the timeout").extracting(ServiceInstance::id).containsExactly("b");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(run(bGone).departed()).as("the timeout ends it, busy or not").isEmpty();
        assertThat(drain.active()).isFalse();
    }

    @Test
    void unknownSessionsKeepTheDrainGoingAndAnInstanceServedAgainStopsDraining() {
        run(catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.PASSING)));
        sessionsFail = true;
        CatalogSnapshot bCritical = catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.CRITICAL));
        run(bCritical);
        assertThat(run(bCritical).draining(web("b", HealthStatus.CRITICAL))).as("sessions unknown: keeps draining").isTrue();

        DrainPlan back = run(catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.PASSING)));
        assertThat(back.draining(web("b", HealthStatus.PASSING))).isFalse();
        assertThat(drain.active()).isFalse();
    }

    @Test
    void aRenderThatNeverHappenedDoesNotForgetTheServers() {
        run(catalog(web("a", HealthStatus.PASSING), web("b", HealthStatus.PASSING)));
        drain.plan(catalog(web("a", HealthStatus.PASSING))); // e.g. the template failed: no placements, no built()
        assertThat(run(catalog(web("a", HealthStatus.PASSING))).departed()).extracting(ServiceInstance::id).containsExactly("b");
    }
}
