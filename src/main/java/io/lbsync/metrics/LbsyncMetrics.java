package io.lbsync.metrics;

import io.lbsync.cleanup.CleanupCounters;
import io.lbsync.consul.ConsulAgents;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.model.ConsulState;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.render.RejectedValues;
import io.lbsync.watch.ConsulErrorKind;
import io.lbsync.watch.WatchHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lbsync's own meters (lbsync_* in /observe/metrics). They live in a registry of this application, created before
 * Camel's Prometheus registry exists; when Camel starts, that registry is added to ours and receives every meter.
 * Labels are few and bounded: target, kind (Consul error kinds), field (rejected-value fields).
 */
public final class LbsyncMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(LbsyncMetrics.class);

    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();

    /** Where the pipeline's and the beans' meters are created. */
    public MeterRegistry registry() {
        return registry;
    }

    public void watch(WatchHealth health, ConsulStateStore state) {
        for (ConsulErrorKind kind : ConsulErrorKind.values()) {
            counter("lbsync.consul.errors", "Consul requests that failed, by kind", health, h -> h.errorCount(kind))
                    .tag("kind", kind.label()).register(registry);
        }
        gauge("lbsync.watched.services", "services in the watched catalog", state, s -> count(s.current(), false));
        gauge("lbsync.watched.instances", "registrations in the watched catalog", state, s -> count(s.current(), true));
        gauge("lbsync.unreadable.services", "services Consul lists but cannot serve back (each left out alone)", health,
                h -> h.unreadable().count());
        counter("lbsync.unreadable.service.failures", "services found unreadable (a new failure counted once)", health,
                h -> h.unreadable().failures()).register(registry);
    }

    /**
     * Per other datacenter of lbsync.consul.datacenters: whether its watch reads without failing (1) or not (0), and
     * the instances last read from it (kept while it fails).
     */
    public void datacenters(List<String> order, WatchHealth health, ConsulStateStore state) {
        for (String dc : order.stream().skip(1).toList()) {
            Gauge.builder("lbsync.datacenter.up", health, h -> h.states().entrySet().stream()
                            .anyMatch(e -> e.getKey().endsWith("@" + dc) && e.getValue().failingSince() != null) ? 0 : 1)
                    .description("1 while the watch of this other datacenter reads without failing").tag("datacenter", dc)
                    .register(registry);
            Gauge.builder("lbsync.datacenter.instances", state, st -> {
                var current = st.current();
                var snapshot = current == null ? null : current.remote().snapshots().get(dc);
                return snapshot == null ? 0 : snapshot.instanceCount();
            }).description("registrations last read from this other datacenter (its backup servers' source)")
                    .tag("datacenter", dc).register(registry);
        }
    }

    /** Which agent of lbsync.consul.url is read (0: the preferred one) and how often lbsync switched. */
    public void consulAgents(ConsulAgents agents) {
        gauge("lbsync.consul.agent.index", "position in lbsync.consul.url of the agent read now (0: the preferred one)", agents,
                ConsulAgents::currentIndex);
        counter("lbsync.consul.agent.switches", "switches between the agents of lbsync.consul.url", agents, ConsulAgents::switches)
                .register(registry);
    }

    public void rejectedValues(RejectedValues rejected) {
        for (RejectedValues.Field field : RejectedValues.Field.values()) {
            counter("lbsync.rejected.values", "untrusted values left out of configs, by field", rejected, r -> r.count(field))
                    .tag("field", field.label()).register(registry);
        }
    }

    public void guard(ImplausibleChangeGuard guard) {
        counter("lbsync.guard.holds", "Consul states held back as implausible", guard, ImplausibleChangeGuard::holds).register(registry);
    }

    public void cleanup(CleanupCounters c) {
        gauge("lbsync.duplicates.found", "extra copies of service IDs found by the last cleanup run", c,
                CleanupCounters::lastExtraCopies);
        counter("lbsync.duplicates.removed", "extra copies deregistered on their agent", c, CleanupCounters::removed).register(registry);
        counter("lbsync.duplicates.would.remove", "extra copies a dry run would remove", c, CleanupCounters::wouldRemove)
                .register(registry);
        counter("lbsync.duplicates.failed", "removals that failed (agent unreachable, still there, ...)", c, CleanupCounters::failed)
                .register(registry);
        counter("lbsync.cleanup.runs", "cleanup runs on this instance (the leader)", c, CleanupCounters::runs).register(registry);
    }

    /** Adds Camel's Prometheus registry (camel-micrometer-prometheus) once Camel has made it. */
    public void exportThrough(CamelContext camel) {
        try {
            camel.addStartupListener((context, alreadyStarted) -> export(context));
        } catch (Exception e) {
            throw new IllegalStateException("cannot hook the metrics into Camel's start-up", e);
        }
    }

    private void export(CamelContext context) {
        MeterRegistry camelRegistry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (camelRegistry == null) {
            LOG.warn("event=metrics-off reason=\"no Micrometer registry (camel.metrics.enabled=false?): lbsync_* metrics not served\"");
            return;
        }
        registry.add(camelRegistry);
    }

    private static double count(ConsulState state, boolean instances) {
        if (state == null) {
            return 0;
        }
        return instances ? state.catalog().instanceCount() : state.catalog().services().size();
    }

    private static <T> FunctionCounter.Builder<T> counter(String name, String help, T source, ToDoubleFunction<T> value) {
        return FunctionCounter.builder(name, source, value).description(help);
    }

    private <T> void gauge(String name, String help, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(help).register(registry);
    }
}
