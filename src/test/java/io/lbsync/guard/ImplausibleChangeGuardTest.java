package io.lbsync.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.quiesce.QuiesceEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.lbsync.install.InstallRun;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class ImplausibleChangeGuardTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private int resyncs;
    /** What Consul answers when asked about a mass disappearance. */
    private MassDropCorroboration.Verdict verdict = new MassDropCorroboration.Verdict(false, "nodes alive");
    private final ImplausibleChangeGuard guard = new ImplausibleChangeGuard(50, 50, Duration.ofSeconds(30),
            (before, vanished) -> verdict, () -> resyncs++, clock);
    private final DefaultCamelContext camel = new DefaultCamelContext();

    /** "web" with {@code passing} passing and {@code critical} critical instances. */
    private static ConsulState state(int passing, int critical) {
        List<ServiceInstance> all = new ArrayList<>();
        for (int i = 0; i < passing + critical; i++) {
            all.add(ServiceInstance.of("web", "web-" + i, "n", "10.0.0.1", "10.0.1." + i, 80, List.of(), Map.of(),
                    i < passing ? HealthStatus.PASSING : HealthStatus.CRITICAL));
        }
        Map<String, ServiceInstances> services = all.isEmpty() ? Map.of() : Map.of("web", new ServiceInstances("web", 1, all));
        return new ConsulState(CatalogSnapshot.of(1, services), KvSnapshot.empty("lbsync/"));
    }

    private Exchange check(ConsulState state) {
        Exchange e = new DefaultExchange(camel);
        InstallRun run = new InstallRun("haproxy", state);
        e.getMessage().setBody(guard.check(run, e));
        return e;
    }

    private boolean held(ConsulState state) {
        return check(state).getMessage().getBody(InstallRun.class).isHeld();
    }

    @Test
    void theFirstStateIsAlwaysAccepted() {
        assertThat(held(state(0, 0))).isFalse();
    }

    @Test
    void emptyingABackendIsHeldThenAppliedIfConsulStillSaysSoAfterTheConfirmTime() {
        assertThat(held(state(4, 0))).isFalse();
        Exchange first = check(state(0, 4));
        assertThat(first.getMessage().getBody(InstallRun.class).isHeld()).isTrue();
        assertThat(first.getProperty(QuiesceEndpoint.RETRY_AFTER, Duration.class)).isEqualTo(Duration.ofSeconds(30));
        now = now.plusSeconds(10);
        Exchange again = check(state(0, 0));
        assertThat(again.getMessage().getBody(InstallRun.class).isHeld()).isTrue();
        assertThat(again.getProperty(QuiesceEndpoint.RETRY_AFTER, Duration.class)).isEqualTo(Duration.ofSeconds(20));
        now = now.plusSeconds(20);
        assertThat(held(state(0, 0))).isFalse();
        assertThat(guard.holds()).isEqualTo(1);
    }

    @Test
    void aTransientDropThatRecoversResetsTheHold() {
        held(state(4, 0));
        assertThat(held(state(0, 0))).isTrue();
        now = now.plusSeconds(5);
        assertThat(held(state(4, 0))).isFalse();
        now = now.plusSeconds(40);
        assertThat(held(state(0, 0))).isTrue(); // a new hold: the earlier one ended
        assertThat(guard.holds()).isEqualTo(2);
    }

    @Test
    void dropsUpToTheLimitPassAtOnceAndLargerOnesAreHeld() {
        held(state(4, 0));
        assertThat(held(state(2, 2))).isFalse(); // 50 %: not more than the limit
        assertThat(held(state(1, 0))).isFalse(); // judged against the accepted 2: 50 %
        held(state(10, 0));
        assertThat(held(state(4, 0))).isTrue(); // 60 %
    }

    @Test
    void aZeroConfirmTimeTurnsTheGuardOff() {
        ImplausibleChangeGuard off = new ImplausibleChangeGuard(50, 50, Duration.ZERO, (b, v) -> verdict, () -> { }, clock);
        assertThat(off.judge("haproxy", state(4, 0).catalog())).isEmpty();
        assertThat(off.judge("haproxy", state(0, 0).catalog())).isEmpty();
    }

    /** {@code services} services of two passing instances each ("s0", "s1", ...), on node "n". */
    private static ConsulState services(int services) {
        Map<String, ServiceInstances> all = new java.util.HashMap<>();
        for (int s = 0; s < services; s++) {
            String name = "s" + s;
            all.put(name, new ServiceInstances(name, 1, List.of(
                    ServiceInstance.of(name, name + "-a", "n", "10.0.0.1", "10.0.2." + s, 80, List.of(), Map.of(), HealthStatus.PASSING),
                    ServiceInstance.of(name, name + "-b", "n", "10.0.0.1", "10.0.3." + s, 80, List.of(), Map.of(), HealthStatus.PASSING))));
        }
        return new ConsulState(CatalogSnapshot.of(1, all), KvSnapshot.empty("lbsync/"));
    }

    @Test
    void aMassDisappearanceConsulDoesNotCorroborateIsHeldBeyondTheConfirmTime() {
        held(services(4));
        Exchange first = check(services(1)); // 3 of 4 services gone at once
        assertThat(first.getMessage().getBody(InstallRun.class).isHeld()).isTrue();
        assertThat(first.getProperty(QuiesceEndpoint.RETRY_AFTER, Duration.class)).isEqualTo(Duration.ofSeconds(10));
        assertThat(guard.holdsNow().get("haproxy").uncorroborated()).isEqualTo("nodes alive");
        assertThat(resyncs).as("Consul read again: rights given back move no index").isEqualTo(1);
        now = now.plus(Duration.ofMinutes(5));
        assertThat(held(services(1))).as("time alone never confirms it").isTrue();
        // Consul comes back: nothing to apply, the hold ends
        assertThat(held(services(4))).isFalse();
        assertThat(guard.holdsNow()).isEmpty();
    }

    @Test
    void aCorroboratedMassDisappearanceWaitsTheConfirmTimeLikeAnyOther() {
        held(services(4));
        verdict = new MassDropCorroboration.Verdict(true, "their nodes left");
        assertThat(held(services(0))).isTrue();
        assertThat(guard.holdsNow().get("haproxy").confirmAt()).isEqualTo(now.plusSeconds(30));
        now = now.plusSeconds(30);
        assertThat(held(services(0))).isFalse();
    }

    @Test
    void anOperatorConfirmsWhatIsHeld() {
        held(services(4));
        assertThat(held(services(0))).isTrue();
        assertThat(guard.confirm()).containsExactly("haproxy");
        assertThat(guard.confirmJson()).isEqualTo("{\"confirmed\":[\"haproxy\"]}"); // still held until its next check
        assertThat(held(services(0))).isFalse();
        assertThat(guard.holdsNow()).isEmpty();
    }

    @Test
    void oneServiceGoingIsNoMassDisappearance() {
        held(services(4));
        Exchange e = check(services(3));
        assertThat(e.getMessage().getBody(InstallRun.class).isHeld()).isTrue();
        assertThat(guard.holdsNow().get("haproxy").uncorroborated()).isNull();
        assertThat(e.getProperty(QuiesceEndpoint.RETRY_AFTER, Duration.class)).isEqualTo(Duration.ofSeconds(30));
    }
}
