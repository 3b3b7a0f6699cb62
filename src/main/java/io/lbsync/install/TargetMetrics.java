package io.lbsync.install;

import io.lbsync.runtimeapi.RuntimeApi;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** One target's pipeline meters (label target=haproxy|nginx): what it rendered, installed, skipped, and how fast. */
public final class TargetMetrics {
    private final Counter renders;
    private final Counter unchanged;
    private final Counter installs;
    private final Counter failures;
    private final Counter validationFailures;
    private final Counter reloadFailures;
    private final Timer reloads;
    private final Timer changeToInstall;
    private final MeterRegistry registry;
    private final String target;

    public TargetMetrics(MeterRegistry registry, String target) {
        this.registry = registry;
        this.target = target;
        renders = Counter.builder("lbsync.renders").description("configs rendered").tag("target", target).register(registry);
        unchanged = Counter.builder("lbsync.skipped.unchanged").description("renders equal to the live config (nothing to do)")
                .tag("target", target).register(registry);
        installs = Counter.builder("lbsync.installs").description("configs installed (validated, swapped, reloaded)")
                .tag("target", target).register(registry);
        failures = Counter.builder("lbsync.install.failures").description("pipeline runs that failed (live config kept)")
                .tag("target", target).register(registry);
        validationFailures = Counter.builder("lbsync.validation.failures").description("staged configs the validate command refused")
                .tag("target", target).register(registry);
        reloadFailures = Counter.builder("lbsync.reload.failures").description("reloads that failed (previous config put back)")
                .tag("target", target).register(registry);
        reloads = Timer.builder("lbsync.reload").description("reloads of the proxy and how long they took")
                .tag("target", target).register(registry);
        changeToInstall = Timer.builder("lbsync.change.to.install").description("from a Consul change seen to the new config installed")
                .tag("target", target).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(2)).register(registry);
    }

    void rendered() {
        renders.increment();
    }

    void unchanged() {
        unchanged.increment();
    }

    void validationFailed() {
        validationFailures.increment();
    }

    void reloaded(Duration took, boolean ok) {
        reloads.record(took);
        if (!ok) {
            reloadFailures.increment();
        }
    }

    void installed(long changeSeenNanos) {
        installs.increment();
        changeToInstall.record(Duration.ofNanos(Math.max(0, System.nanoTime() - changeSeenNanos)));
    }

    /** lbsync.runtime.updates{result=applied|structural|failed}: membership changes tried through HAProxy's runtime API. */
    void runtimeUpdate(RuntimeApi.Result result) {
        Counter.builder("lbsync.runtime.updates").description("changes tried through the proxy's runtime API "
                        + "(applied: no reload; structural or failed: reloaded instead)")
                .tag("target", target).tag("result", result.name().toLowerCase(java.util.Locale.ROOT)).register(registry).increment();
    }

    void failed() {
        failures.increment();
    }
}
