package io.lbsync.cleanup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.cleanup.CleanupDecision.Action;
import io.lbsync.cleanup.DuplicateFinder.SharedEndpoint;
import io.lbsync.cleanup.DuplicateFinder.Suspect;
import io.lbsync.cleanup.KeeperPolicy.Verdict;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.model.ServiceInstances;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One cleanup run (the steps of routes/duplicate-cleanup.yaml): suspects from the watched catalog, a fresh
 * consistent read of each, the keeper policy, then each extra copy deregistered on its own agent and verified
 * there — or, in dry-run, only reported. Every decision is logged and kept in the last report.
 */
public final class DuplicateCleanup {
    /** The master: namespace of routes/duplicate-cleanup.yaml: its lock decides which instance may remove. */
    public static final String LEADER_NAMESPACE = "duplicate-cleanup";
    /** A removed copy still in the catalog this long after its agent confirmed the removal counts as failed. */
    static final Duration CATALOG_SYNC_GRACE = Duration.ofMinutes(2);
    private static final Duration REMEMBER_REMOVALS = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECENT_CHANGES = 50;

    private final ConsulStateStore state;
    private final CatalogReads reads;
    private final OwningAgent agents;
    private final boolean dryRun;
    private final BooleanSupplier leader;
    private final Supplier<String> leaderName;
    private final Clock clock;
    private final KeeperPolicy policy = new KeeperPolicy();
    private final DuplicateFinder finder = new DuplicateFinder();
    private final CleanupAudit audit = new CleanupAudit();
    private final CleanupCounters counters = new CleanupCounters();
    private final RetrySchedule retries = new RetrySchedule();
    private final Map<String, Removal> removals = new HashMap<>();
    private final Deque<Change> recent = new ArrayDeque<>();
    private volatile CleanupReport last = CleanupReport.notRunYet();

    /**
     * @param leader     whether this instance holds the cleanup lock right now (checked before every removal)
     * @param leaderName the instance holding it (for the report)
     */
    public DuplicateCleanup(ConsulStateStore state, CatalogReads reads, OwningAgent agents, boolean dryRun,
                            BooleanSupplier leader, Supplier<String> leaderName, Clock clock) {
        this.state = state;
        this.reads = reads;
        this.agents = agents;
        this.dryRun = dryRun;
        this.leader = leader;
        this.leaderName = leaderName;
        this.clock = clock;
    }

    public synchronized CleanupReport run() {
        ConsulState current = state.current();
        if (current == null) {
            return last; // nothing synced yet: nothing to judge
        }
        CatalogSnapshot catalog = current.catalog();
        Run run = new Run();
        for (Suspect s : finder.duplicates(catalog)) {
            judge(s, catalog.services().get(s.service()), run);
        }
        for (SharedEndpoint e : finder.sharedEndpoints(catalog)) {
            run.decisions.add(new CleanupDecision(Action.SHARED_ENDPOINT, e.service(), String.join(",", e.ids()), "",
                    e.endpoint(), 0, "", e.ids().size() + " IDs registered for one address:port (reported, never removed)"));
        }
        retries.retainOnly(run.pending);
        Instant now = clock.instant();
        removals.values().removeIf(r -> r.at.plus(REMEMBER_REMOVALS).isBefore(now));
        CleanupReport report = new CleanupReport(now.toString(), dryRun, catalog.index(), run.duplicatedIds, run.extraCopies,
                List.copyOf(run.decisions), "");
        report.decisions().forEach(d -> audit.log(d, dryRun));
        rememberChanges(report);
        counters.record(report);
        last = report;
        return report;
    }

    private void judge(Suspect suspect, ServiceInstances seen, Run run) {
        CatalogReads.Copies fresh;
        try {
            fresh = reads.service(suspect.service());
        } catch (RuntimeException e) {
            run.decisions.add(failed(suspect, "cannot read the service from Consul: " + e.getMessage()));
            return;
        }
        if (seen != null && fresh.index() < seen.index()) {
            run.decisions.add(failed(suspect, "Consul answered at index " + fresh.index() + ", older than the watched "
                    + seen.index() + ": not acting on old data, next run retries"));
            return;
        }
        List<Copy> copies = fresh.withId(suspect.id());
        if (copies.size() < 2) {
            return; // no longer duplicated
        }
        run.duplicatedIds++;
        run.extraCopies += copies.size() - 1;
        Verdict v = policy.decide(copies);
        run.decisions.add(CleanupDecision.about(Action.KEPT, v.keeper(), v.keeper(), v.reason()));
        for (Copy extra : v.extras()) {
            run.pending.add(extra.key());
            handleExtra(extra, v, run);
        }
    }

    private void handleExtra(Copy c, Verdict v, Run run) {
        String why = "duplicate of the copy kept on " + v.keeper().node() + " (" + v.reason() + ")";
        Instant now = clock.instant();
        Removal earlier = removals.get(c.key());
        if (earlier != null && earlier.createIndex == c.createIndex()) {
            if (now.isBefore(earlier.at.plus(CATALOG_SYNC_GRACE))) {
                return; // the agent removed it; its catalog sync is still on the way
            }
            run.add(c, v, Action.FAILED, "removed on its agent at " + earlier.at + " but still in the catalog");
        } else if (earlier != null) {
            run.add(c, v, Action.FAILED, "registered again after its removal at " + earlier.at + "; removing again");
        }
        if (dryRun) {
            String problem = run.probe(c);
            run.add(c, v, problem == null ? Action.WOULD_REMOVE : Action.FAILED,
                    problem == null ? why : "dry run, but its agent cannot be used: " + problem);
            return;
        }
        if (!retries.due(c.key(), now)) {
            run.add(c, v, Action.FAILED, "earlier removal failed; next attempt after " + retries.nextAttempt(c.key()));
            return;
        }
        if (!leader.getAsBoolean()) {
            run.add(c, v, Action.KEPT, "no longer the leader: left to the instance that is");
            return;
        }
        try {
            agents.remove(c);
            retries.succeeded(c.key());
            removals.put(c.key(), new Removal(now, c.createIndex()));
            run.add(c, v, Action.REMOVED, why);
        } catch (RuntimeException e) {
            retries.failed(c.key(), now);
            run.add(c, v, Action.FAILED, e.getMessage() + "; next attempt after " + retries.nextAttempt(c.key()));
        }
    }

    /** Removals and failures stay visible after later runs found nothing more to do. */
    private void rememberChanges(CleanupReport report) {
        synchronized (recent) {
            for (CleanupDecision d : report.decisions()) {
                if (d.action() == Action.REMOVED || d.action() == Action.FAILED) {
                    recent.addFirst(new Change(report.time(), d));
                    if (recent.size() > RECENT_CHANGES) {
                        recent.removeLast();
                    }
                }
            }
        }
    }

    private static CleanupDecision failed(Suspect s, String reason) {
        return new CleanupDecision(Action.FAILED, s.service(), s.id(), String.join(",", s.nodes()), "", 0, "", reason);
    }

    public CleanupCounters counters() {
        return counters;
    }

    /** The body of GET /cleanup/report: whether this instance leads, its last report, its latest removals and failures. */
    public String reportJson() throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leader", leader.getAsBoolean());
        body.put("leaderInstance", leaderName.get());
        body.put("lastReport", last);
        synchronized (recent) {
            body.put("recentChanges", List.copyOf(recent));
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body);
    }

    private record Removal(Instant at, long createIndex) {
    }

    /** A removal or failure and the time of the run that made it (newest first in the report). */
    public record Change(String time, CleanupDecision decision) {
    }

    /** What one run collected; agent probes are shared by the copies of one node. */
    private final class Run {
        final List<CleanupDecision> decisions = new ArrayList<>();
        final Set<String> pending = new HashSet<>();
        final Map<String, String> probes = new HashMap<>();
        int duplicatedIds;
        int extraCopies;

        void add(Copy c, Verdict v, Action action, String reason) {
            decisions.add(CleanupDecision.about(action, c, v.keeper(), reason));
        }

        /** Null when the copy's agent answers as the right node, else the problem. */
        String probe(Copy c) {
            return probes.computeIfAbsent(c.node(), n -> {
                try {
                    agents.probe(c);
                    return "";
                } catch (RuntimeException e) {
                    return e.getMessage();
                }
            }).transform(p -> p.isEmpty() ? null : p);
        }
    }
}
