package io.lbsync.guard;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.install.InstallRun;
import io.lbsync.model.ServiceInstances;
import io.lbsync.quiesce.QuiesceEndpoint;
import io.lbsync.render.SafeValues;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds back a Consul state that would empty a backend that had servers, or take away more than
 * lbsync.guard.max-drop-percent of a service's servers at once — what a restarting agent or a network blip
 * briefly reports. The last good config stays; the state is applied only if Consul still says so after
 * lbsync.guard.confirm-after, so a real decommission still goes through. Judged per target, against the state
 * that target last accepted.
 * <p>
 * A mass disappearance — at least two services, and more than lbsync.guard.mass-drop-percent of those that had
 * servers, losing all of them at once — is not confirmed by time alone: lost ACL rights, a token for the wrong
 * datacenter and an agent restarted empty look exactly like it. It waits until Consul corroborates it
 * ({@link MassDropCorroboration}), checked again every {@link #MASS_RECHECK}, or until an operator confirms it
 * ({@link #confirm}, POST /guard/confirm).
 */
public final class ImplausibleChangeGuard {
    /** How often a mass disappearance Consul did not corroborate is looked at again. */
    static final Duration MASS_RECHECK = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(ImplausibleChangeGuard.class);

    /** Asks Consul whether services that vanished together are really gone. */
    @FunctionalInterface
    public interface Corroboration {
        MassDropCorroboration.Verdict judge(CatalogSnapshot before, Set<String> vanished);
    }

    /**
     * A state held back for a target.
     * @param uncorroborated why a mass disappearance is not believed (null: an ordinary hold)
     * @param confirmAt      when an ordinary hold is applied if Consul still says so (null: waits for corroboration)
     */
    public record Hold(Instant since, List<String> changes, String uncorroborated, Instant confirmAt) {
    }

    private final int maxDropPercent;
    private final int massDropPercent;
    private final Duration confirmAfter;
    private final Corroboration corroboration;
    private final Runnable resyncConsul;
    private final Clock clock;
    private final Map<String, CatalogSnapshot> accepted = new ConcurrentHashMap<>();
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final AtomicLong holdCount = new AtomicLong();

    /**
     * @param resyncConsul asks the watches to read Consul again now: while a mass disappearance is held, so that rights
     *                     given back (which move no Consul index) are seen without waiting for an unrelated change
     */
    public ImplausibleChangeGuard(int maxDropPercent, int massDropPercent, Duration confirmAfter, Corroboration corroboration,
                                  Runnable resyncConsul, Clock clock) {
        requirePercent("lbsync.guard.max-drop-percent", maxDropPercent);
        requirePercent("lbsync.guard.mass-drop-percent", massDropPercent);
        this.maxDropPercent = maxDropPercent;
        this.massDropPercent = massDropPercent;
        this.confirmAfter = confirmAfter;
        this.corroboration = corroboration;
        this.resyncConsul = resyncConsul;
        this.clock = clock;
    }

    private static void requirePercent(String property, int value) {
        if (value < 0 || value > 100) {
            throw new IllegalArgumentException(property + ": must be 0..100, got " + value);
        }
    }

    /**
     * Route step: sets ${body.held}; a held state is tried again (with Consul's newest state) when its wait ends (the
     * quiesce: consumer reads {@link QuiesceEndpoint#RETRY_AFTER}).
     */
    public InstallRun check(InstallRun run, Exchange exchange) {
        Optional<Duration> retry = judge(run.getTarget(), run.getState().catalog());
        run.setHeld(retry.isPresent());
        retry.ifPresent(r -> exchange.setProperty(QuiesceEndpoint.RETRY_AFTER, r));
        return run;
    }

    /** Empty when the target may apply {@code candidate}; else how long until it is looked at again. */
    public Optional<Duration> judge(String target, CatalogSnapshot candidate) {
        CatalogSnapshot before = accepted.get(target);
        List<String> drops = confirmAfter.isZero() ? List.of() : drops(before, candidate);
        Instant now = clock.instant();
        if (drops.isEmpty()) {
            if (holds.remove(target) != null) {
                LOG.info("event=guard-released target={} reason=\"Consul is back to a plausible state\"", target);
            }
            confirmed.remove(target);
            return accept(target, candidate);
        }
        if (confirmed.remove(target)) {
            holds.remove(target);
            LOG.warn("event=guard-confirmed target={} by=operator changes=\"{}\" (applying)", target,
                    SafeValues.quotedForLog(String.join("; ", drops)));
            return accept(target, candidate);
        }
        Set<String> vanished = massVanished(before, candidate);
        if (!vanished.isEmpty()) {
            MassDropCorroboration.Verdict verdict = corroboration.judge(before, vanished);
            if (!verdict.corroborated()) {
                Optional<Duration> retry = hold(target, new Hold(since(target, now), drops, verdict.reason(), null), MASS_RECHECK);
                resyncConsul.run();
                return retry;
            }
            Hold old = holds.get(target);
            if (old != null && old.uncorroborated() != null) {
                holds.remove(target); // corroborated now: the ordinary wait starts
                LOG.warn("event=guard-corroborated target={} services={} reason=\"{}\"", target, vanished.size(),
                        SafeValues.quotedForLog(verdict.reason()));
            }
        }
        Instant since = since(target, now);
        Duration waited = Duration.between(since, now);
        if (waited.compareTo(confirmAfter) >= 0) {
            holds.remove(target);
            LOG.warn("event=guard-confirmed target={} held_for_ms={} changes=\"{}\" (Consul still says so: applying)", target,
                    waited.toMillis(), SafeValues.quotedForLog(String.join("; ", drops)));
            return accept(target, candidate);
        }
        return hold(target, new Hold(since, drops, null, since.plus(confirmAfter)), confirmAfter.minus(waited));
    }

    private Instant since(String target, Instant now) {
        Hold old = holds.get(target);
        return old == null ? now : old.since();
    }

    private Optional<Duration> hold(String target, Hold hold, Duration retry) {
        Hold old = holds.put(target, hold);
        if (old == null) {
            holdCount.incrementAndGet();
        }
        if (old == null || !java.util.Objects.equals(old.uncorroborated(), hold.uncorroborated())) {
            if (hold.uncorroborated() != null) {
                LOG.warn("event=guard-held target={} kind=mass-disappearance reason=\"{}\" changes=\"{}\" (kept until Consul "
                                + "corroborates it or an operator confirms: POST /guard/confirm)", target,
                        SafeValues.quotedForLog(hold.uncorroborated()), SafeValues.quotedForLog(String.join("; ", hold.changes())));
            } else {
                LOG.warn("event=guard-held target={} confirm_after_ms={} changes=\"{}\"", target, confirmAfter.toMillis(),
                        SafeValues.quotedForLog(String.join("; ", hold.changes())));
            }
        }
        return Optional.of(retry);
    }

    private Optional<Duration> accept(String target, CatalogSnapshot candidate) {
        accepted.put(target, candidate);
        return Optional.empty();
    }

    /** The implausible changes from the accepted state to the candidate; empty when there is none. */
    List<String> drops(CatalogSnapshot before, CatalogSnapshot after) {
        List<String> out = new ArrayList<>();
        if (before == null) {
            return out;
        }
        for (ServiceInstances service : before.services().values()) {
            ServiceInstances now = after.services().get(service.service());
            if (now == service) {
                continue; // the same registrations: snapshots share what did not change
            }
            int had = service.passingCount();
            if (had == 0) {
                continue;
            }
            int has = now == null ? 0 : now.passingCount();
            if (has == 0) {
                out.add(SafeValues.forLog(service.service()) + " would lose all " + had + " servers");
            } else if ((long) (had - has) * 100 > (long) maxDropPercent * had) {
                out.add(SafeValues.forLog(service.service()) + " would lose " + (had - has) + " of " + had + " servers");
            }
        }
        return out;
    }

    /** The services losing all their servers when that is a mass disappearance; empty otherwise. */
    Set<String> massVanished(CatalogSnapshot before, CatalogSnapshot after) {
        Set<String> vanished = new TreeSet<>();
        int withServers = 0;
        for (ServiceInstances service : before.services().values()) {
            if (service.passingCount() == 0) {
                continue;
            }
            withServers++;
            ServiceInstances now = after.services().get(service.service());
            if (now != service && (now == null || now.passingCount() == 0)) {
                vanished.add(service.service());
            }
        }
        boolean mass = vanished.size() >= 2 && (long) vanished.size() * 100 > (long) massDropPercent * withServers;
        return mass ? vanished : Set.of();
    }

    /**
     * An operator's "yes, Consul is right": every state held now is applied on its next check (within
     * {@link #MASS_RECHECK}). Returns the targets concerned.
     */
    public List<String> confirm() {
        List<String> targets = new ArrayList<>(new TreeSet<>(holds.keySet()));
        confirmed.addAll(targets);
        LOG.warn("event=guard-confirm-requested targets={}", targets.isEmpty() ? "(none held)" : String.join(",", targets));
        return targets;
    }

    /** {@link #confirm} for POST /guard/confirm: {"confirmed": [targets]}. */
    public String confirmJson() {
        return "{\"confirmed\":[" + String.join(",", confirm().stream().map(t -> "\"" + t + "\"").toList()) + "]}";
    }

    /** Target → what is held for it now. */
    public Map<String, Hold> holdsNow() {
        return new TreeMap<>(holds);
    }

    /** How many times a state was held back (for metrics). */
    public long holds() {
        return holdCount.get();
    }
}
