package io.lbsync.status;

import io.lbsync.consul.ConsulAgents;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.render.SafeValues;
import io.lbsync.config.Durations;
import io.lbsync.install.ConfigTarget;
import io.lbsync.install.TargetHistory;
import io.lbsync.install.TargetStatus;
import io.lbsync.install.Targets;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.watch.WatchHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When lbsync is not healthy, and why, in words an operator can act on. Shared by the health checks
 * (/observe/health) and GET /status, so both always tell the same story.
 * <ul>
 * <li>Consul: no complete read of Consul yet (catalog, and K/V when watched); or a watch whose reads have been
 * failing for longer than {@code lbsync.health.watch-grace}.</li>
 * <li>Targets: an enabled target whose last run failed (render, validation, install or reload); or one that has not
 * rendered and installed (or found unchanged) a config yet.</li>
 * </ul>
 */
public final class HealthRules {
    /**
     * One reason for DOWN.
     * @param subject what it is about: a watch name, a target name, or "consul"
     * @param details the facts behind the message (shown by /observe/health?data=true)
     */
    public record Problem(String subject, String message, Map<String, Object> details) {
    }

    private final WatchHealth watches;
    private final ConsulAgents agents;
    private final ImplausibleChangeGuard guard;
    private final ConsulStateStore state;
    private final boolean kvWatched;
    private final List<ConfigTarget> targets;
    private final Targets histories;
    private final Duration watchGrace;
    private final Clock clock;

    /** @param kvWatched whether the K/V prefix is watched (lbsync.kv.enabled): then a full sync includes it */
    public HealthRules(WatchHealth watches, ConsulAgents agents, ImplausibleChangeGuard guard, ConsulStateStore state, boolean kvWatched,
                       List<ConfigTarget> targets, Targets histories, Duration watchGrace, Clock clock) {
        this.watches = watches;
        this.agents = agents;
        this.guard = guard;
        this.state = state;
        this.kvWatched = kvWatched;
        this.targets = List.copyOf(targets);
        this.histories = histories;
        this.watchGrace = watchGrace;
        this.clock = clock;
    }

    public Duration watchGrace() {
        return watchGrace;
    }

    public boolean synced() {
        return state.current() != null;
    }

    /**
     * What works, but not fully — health stays UP and says so: a Consul state the implausible-change guard holds back
     * (the live config stays as it was), services Consul lists but cannot serve back, each left out (or kept as
     * last read) while every other service goes on, and reading through another agent than the preferred one.
     */
    public List<Problem> degraded() {
        List<Problem> out = new ArrayList<>();
        Instant now = clock.instant();
        guard.holdsNow().forEach((target, hold) -> {
            String why = hold.uncorroborated() != null
                    ? "a mass disappearance Consul does not corroborate, held until it does or an operator confirms it "
                    + "(POST /guard/confirm): " + hold.uncorroborated()
                    : "held back as implausible, applied in " + Math.max(0, Duration.between(now, hold.confirmAt()).toSeconds())
                    + " s if Consul still says so";
            out.add(new Problem(target, "target " + target + ": Consul state " + why + "; live config unchanged since "
                    + hold.since() + " (" + String.join("; ", hold.changes().stream().limit(3).toList())
                    + (hold.changes().size() > 3 ? "; ..." : "") + ")", Map.of("heldSince", hold.since().toString())));
        });
        if (agents.currentIndex() != 0) {
            String since = agents.lastSwitch().map(sw -> " since " + sw.at() + " (" + sw.reason() + ")").orElse("");
            out.add(new Problem("consul", "reading Consul through agent " + ConsulAgents.forDisplay(agents.current()) + " ("
                    + (agents.currentIndex() + 1) + " of " + agents.all().size() + ")" + since + "; back to the preferred agent "
                    + ConsulAgents.forDisplay(agents.all().get(0)) + " when it answers", Map.of("agent", agents.currentIndex())));
        }
        // another datacenter failing costs only its backup servers (kept as last known): degraded, never DOWN
        new TreeMap<>(watches.states()).forEach((watch, s) -> {
            if (remoteDatacenter(watch) && s.failingSince() != null) {
                out.add(failingWatch(watch, s, Duration.between(s.failingSince(), now)));
            }
        });
        var unreadable = watches.unreadable().entries();
        if (!unreadable.isEmpty()) {
            List<String> names = unreadable.keySet().stream().limit(5).map(SafeValues::escapedForLog).toList();
            out.add(new Problem("consul", unreadable.size() + " service(s) Consul lists but cannot serve back, left out: "
                    + String.join(", ", names) + (unreadable.size() > 5 ? ", ..." : "") + " (" + unreadable.values().iterator().next()
                    .reason() + ")", Map.of("unreadableServices", unreadable.size())));
        }
        return out;
    }

    /** Problems with reading Consul; empty when every watch answers (or has not failed for long) and it synced. */
    public List<Problem> consul() {
        Instant now = clock.instant();
        List<Problem> problems = new ArrayList<>();
        Map<String, WatchHealth.State> states = new TreeMap<>(watches.states());
        states.forEach((watch, s) -> {
            if (!remoteDatacenter(watch) && s.failingSince() != null && Duration.between(s.failingSince(), now).compareTo(watchGrace) > 0) {
                problems.add(failingWatch(watch, s, Duration.between(s.failingSince(), now)));
            }
        });
        if (!synced()) {
            problems.add(new Problem("consul", "no complete read of Consul yet (catalog" + (kvWatched ? " and K/V" : "")
                    + "); answered so far: " + (answered(states).isEmpty() ? "none" : String.join(", ", answered(states))),
                    Map.of("answered", String.join(",", answered(states)))));
        }
        return problems;
    }

    /** Watches of another datacenter are named "...@dc" (WatchOptions.watchName). */
    private static boolean remoteDatacenter(String watch) {
        return watch.contains("@");
    }

    private Problem failingWatch(String watch, WatchHealth.State s, Duration failing) {
        String kind = s.lastErrorKind() == null ? "" : s.lastErrorKind().label();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("failing.since", s.failingSince().toString());
        d.put("failures", s.consecutiveFailures());
        d.put("error.kind", kind);
        d.put("error", s.lastError());
        d.put("last.success", s.lastSuccess() == null ? "never" : s.lastSuccess().toString());
        return new Problem(watch, "Consul watch " + watch + " failing for " + failing.toSeconds() + "s (since "
                + s.failingSince() + ", " + s.consecutiveFailures() + " failed reads; lbsync.health.watch-grace is "
                + Durations.toConsul(watchGrace) + "): " + kind + ": " + s.lastError(), d);
    }

    /** Problems with the enabled targets; empty when each one's last run installed a config or found it unchanged. */
    public List<Problem> targets() {
        List<Problem> problems = new ArrayList<>();
        for (ConfigTarget t : targets) {
            if (!t.settings().enabled()) {
                continue;
            }
            TargetStatus s = t.status();
            if (s == null) {
                problems.add(new Problem(t.name(), "target " + t.name() + ": no config rendered and installed yet"
                        + (synced() ? "" : " (waiting for the first complete read of Consul)"), Map.of()));
            } else if (s.failed()) {
                TargetHistory.View h = histories.history(t.name()).view(s);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("failed.at", s.at().toString());
                d.put("failing.since", h.failingSince() == null ? s.at().toString() : h.failingSince().toString());
                d.put("failures", Math.max(1, h.consecutiveFailures()));
                d.put("error", s.detail());
                problems.add(new Problem(t.name(), "target " + t.name() + ": last run failed at " + s.at() + " ("
                        + d.get("failures") + " in a row since " + d.get("failing.since") + "): " + s.detail(), d));
            }
        }
        return problems;
    }

    private static List<String> answered(Map<String, WatchHealth.State> states) {
        return states.entrySet().stream().filter(e -> e.getValue().lastSuccess() != null).map(Map.Entry::getKey).toList();
    }
}
