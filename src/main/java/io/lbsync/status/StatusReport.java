package io.lbsync.status;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.RemoteCatalogs;
import io.lbsync.model.WarningPolicy;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.cleanup.DuplicateCleanup;
import io.lbsync.config.Durations;
import io.lbsync.consul.ConsulAgents;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.install.ConfigSummary;
import io.lbsync.install.ConfigTarget;
import io.lbsync.install.TargetHistory;
import io.lbsync.install.TargetStatus;
import io.lbsync.install.Targets;
import io.lbsync.model.ConsulState;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.watch.WatchHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of GET /status (routes/status.yaml): what lbsync is doing, as JSON. Per target its last run, render and
 * install, and the live file as it is on disk now (SHA-256, size, backends and servers counted in its text:
 * {@link ConfigSummary}); per Consul watch its index, last contact, last success and current error; the synced Consul
 * state; the health problems (the same as /observe/health); the duplicate cleanup's last report. Never the ACL token.
 * For the status page (GET /, src/main/resources/status-page) also: Consul's address (the current agent, the list of
 * lbsync.consul.url, switches between them), every service's instances with
 * their health and whether they are rendered ({@link ServicesView}), per target the run and reload durations, the last
 * diffs and the states the implausible-change guard holds back.
 */
public final class StatusReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConsulStateStore state;
    private final WatchHealth watches;
    private final List<ConfigTarget> targets;
    private final Targets histories;
    private final HealthRules rules;
    private final DuplicateCleanup cleanup;
    private final Redaction redaction;
    private final Clock clock;
    private final ConsulAgents agents;
    private final ImplausibleChangeGuard guard;
    private final ServicesView services;

    /** Instances listed in "services" at most (all are counted): the page polls this every 2 s. */
    static final int MAX_INSTANCES_LISTED = 2000;

    /**
     * @param agents    the Consul agents lbsync reads (lbsync.consul.url) and which one is current
     * @param guard     the implausible-change guard, whose holds are shown per target
     * @param cleanup   null when there is none
     */
    public StatusReport(ConsulAgents agents, ConsulStateStore state, WatchHealth watches, ImplausibleChangeGuard guard,
                        List<ConfigTarget> targets, Targets histories, HealthRules rules, DuplicateCleanup cleanup,
                        Redaction redaction, WarningPolicy warningPolicy, Clock clock) {
        this.agents = agents;
        this.services = new ServicesView(MAX_INSTANCES_LISTED, warningPolicy);
        this.guard = guard;
        this.state = state;
        this.watches = watches;
        this.targets = List.copyOf(targets);
        this.histories = histories;
        this.rules = rules;
        this.cleanup = cleanup;
        this.redaction = redaction;
        this.clock = clock;
    }

    /**
     * lbsync.consul.datacenters: each datacenter in order, the local one first, with what lbsync last read from it (the
     * watch's own state is under consul.watches, as "...@dc"); empty with one datacenter.
     */
    private static List<Map<String, Object>> datacenters(RemoteCatalogs remote) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String dc : remote.order()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", dc);
            m.put("role", dc.equals(remote.local()) ? "local" : "backup");
            CatalogSnapshot snapshot = remote.snapshots().get(dc);
            if (!dc.equals(remote.local())) {
                m.put("synced", snapshot != null);
                m.put("index", snapshot == null ? null : snapshot.index());
                m.put("instances", snapshot == null ? 0 : snapshot.instanceCount());
            }
            out.add(m);
        }
        return out;
    }

    public String json() throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("time", clock.instant().toString());
        List<HealthRules.Problem> problems = new ArrayList<>(rules.consul());
        problems.addAll(rules.targets());
        Map<String, Object> health = new LinkedHashMap<>();
        List<HealthRules.Problem> degraded = rules.degraded();
        health.put("status", !problems.isEmpty() ? "DOWN" : degraded.isEmpty() ? "UP" : "DEGRADED");
        health.put("problems", problems.stream().map(HealthRules.Problem::message).toList());
        health.put("degraded", degraded.stream().map(HealthRules.Problem::message).toList());
        body.put("health", health);
        Map<String, Object> t = new LinkedHashMap<>();
        targets.forEach(target -> t.put(target.name(), target(target)));
        body.put("targets", t);
        body.put("consul", consul());
        ConsulState current = state.current();
        body.put("services", current == null ? null : services.of(current.catalog()));
        body.put("datacenters", current == null ? null : datacenters(current.remote()));
        body.put("cleanup", cleanup == null ? null : JSON.readTree(cleanup.reportJson()));
        return redaction.apply(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
    }

    private Map<String, Object> target(ConfigTarget target) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", target.settings().enabled());
        m.put("output", target.settings().output().toString());
        if (!target.settings().enabled()) {
            return m;
        }
        TargetStatus s = target.status();
        TargetHistory.View h = histories.history(target.name()).view(s);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("result", s == null ? null : s.result().name());
        last.put("at", s == null ? null : s.at().toString());
        last.put("error", s != null && s.failed() ? s.detail() : null);
        last.put("failingSince", time(h.failingSince()));
        last.put("consecutiveFailures", h.consecutiveFailures());
        m.put("lastRun", last);
        Map<String, Object> render = null;
        if (h.lastRender() != null) {
            render = summary(h.lastRender().config());
            render.put("at", h.lastRender().at().toString());
        }
        m.put("lastRender", render);
        m.put("lastInstall", time(h.lastInstall()));
        m.put("live", live(target));
        ImplausibleChangeGuard.Hold hold = guard.holdsNow().get(target.name());
        timings(m, s, histories.history(target.name()).timings(), hold != null);
        m.put("guardHold", hold(hold));
        return m;
    }

    /** Durations of the latest run, render and reload, and the last diffs (status page). */
    private static void timings(Map<String, Object> m, TargetStatus s, TargetHistory.Timings t, boolean held) {
        @SuppressWarnings("unchecked")
        Map<String, Object> last = (Map<String, Object>) m.get("lastRun");
        // a run the guard stopped leaves no outcome: it is not running
        boolean running = !held && t.runStarted() != null && (s == null || s.at().isBefore(t.runStarted()));
        last.put("startedAt", time(t.runStarted()));
        last.put("running", running);
        boolean finished = s != null && t.runStarted() != null && !s.at().isBefore(t.runStarted());
        last.put("tookMs", finished ? Duration.between(t.runStarted(), s.at()).toMillis() : null);
        @SuppressWarnings("unchecked")
        Map<String, Object> render = (Map<String, Object>) m.get("lastRender");
        if (render != null) {
            render.put("tookMs", t.renderTook() == null ? null : t.renderTook().toMillis());
        }
        Map<String, Object> reload = null;
        if (t.lastReload() != null) {
            reload = new LinkedHashMap<>();
            reload.put("at", t.lastReload().at().toString());
            reload.put("tookMs", t.lastReload().took().toMillis());
            reload.put("result", t.lastReload().succeeded() ? "OK" : "FAILED");
        }
        m.put("lastReload", reload);
        List<Map<String, Object>> diffs = new ArrayList<>();
        t.diffs().forEach(d -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("at", d.at().toString());
            one.put("firstInstall", d.firstInstall());
            one.put("lines", d.lines());
            diffs.add(one);
        });
        m.put("recentDiffs", diffs);
    }

    private static Map<String, Object> hold(ImplausibleChangeGuard.Hold hold) {
        if (hold == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("since", hold.since().toString());
        m.put("changes", hold.changes());
        m.put("uncorroborated", hold.uncorroborated());
        m.put("confirmAt", time(hold.confirmAt()));
        return m;
    }

    private Map<String, Object> live(ConfigTarget target) {
        Path file = target.settings().output();
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            byte[] bytes = Files.readAllBytes(file);
            Instant modified = Files.getLastModifiedTime(file).toInstant();
            m.put("exists", true);
            m.putAll(summary(ConfigSummary.of(target.settings().kind(), bytes)));
            m.put("modified", modified.toString());
        } catch (NoSuchFileException e) {
            m.put("exists", false);
        } catch (IOException e) {
            m.put("exists", Files.exists(file));
            m.put("error", "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
        return m;
    }

    private static Map<String, Object> summary(ConfigSummary c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sha256", c.sha256());
        m.put("bytes", c.bytes());
        m.put("backends", c.backends());
        m.put("servers", c.servers());
        return m;
    }

    private Map<String, Object> consul() {
        Map<String, Object> m = new LinkedHashMap<>();
        ConsulState current = state.current();
        m.put("url", ConsulAgents.forDisplay(agents.current()));
        m.put("agents", agents.all().stream().map(ConsulAgents::forDisplay).toList());
        m.put("agentIndex", agents.currentIndex());
        m.put("agentSwitches", agents.switches());
        m.put("lastAgentSwitch", agents.lastSwitch().map(StatusReport::agentSwitch).orElse(null));
        m.put("synced", current != null);
        if (current != null) {
            m.put("catalogIndex", current.catalog().index());
            m.put("services", current.catalog().services().size());
            m.put("instances", current.catalog().instanceCount());
            m.put("kvIndex", current.kv().index());
            m.put("kvKeys", current.kv().entries().size());
        }
        Map<String, Object> w = new LinkedHashMap<>();
        new TreeMap<>(watches.states()).forEach((name, s) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("index", s.index());
            one.put("lastContact", time(s.lastContact()));
            one.put("lastSuccess", time(s.lastSuccess()));
            one.put("failingSince", time(s.failingSince()));
            one.put("consecutiveFailures", s.consecutiveFailures());
            one.put("errorKind", s.lastErrorKind() == null ? null : s.lastErrorKind().label());
            one.put("error", s.lastError());
            w.put(name, one);
        });
        m.put("watches", w);
        List<Map<String, Object>> unreadable = new ArrayList<>();
        watches.unreadable().entries().values().forEach(e -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("service", e.service()); // JSON escapes it; the page and curl show it as text
            one.put("reason", e.reason());
            one.put("since", time(e.since()));
            one.put("retryAt", time(e.retryAt()));
            one.put("keptLastGood", e.keptLastGood());
            unreadable.add(one);
        });
        m.put("unreadableServices", unreadable);
        m.put("watchGrace", Durations.toConsul(rules.watchGrace()));
        m.put("errorsSinceStart", watches.errorCounts());
        return m;
    }

    private static Map<String, Object> agentSwitch(ConsulAgents.Switch s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", s.at().toString());
        m.put("from", ConsulAgents.forDisplay(s.from()));
        m.put("to", ConsulAgents.forDisplay(s.to()));
        m.put("reason", s.reason());
        return m;
    }

    private static String time(Instant i) {
        return i == null ? null : i.toString();
    }
}
