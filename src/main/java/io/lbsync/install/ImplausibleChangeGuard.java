package io.lbsync.install;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.ServiceInstances;
import io.lbsync.quiesce.QuiesceEndpoint;
import io.lbsync.render.SafeValues;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 */
public final class ImplausibleChangeGuard {
    /** Exchange header: true when the state is held back (the route stops). */
    public static final String HELD = "lbsyncHeld";
    private static final Logger LOG = LoggerFactory.getLogger(ImplausibleChangeGuard.class);

    private final int maxDropPercent;
    private final Duration confirmAfter;
    private final Clock clock;
    private final Map<String, CatalogSnapshot> accepted = new ConcurrentHashMap<>();
    private final Map<String, Instant> heldSince = new ConcurrentHashMap<>();
    private final AtomicLong holds = new AtomicLong();

    public ImplausibleChangeGuard(int maxDropPercent, Duration confirmAfter, Clock clock) {
        if (maxDropPercent < 0 || maxDropPercent > 100) {
            throw new IllegalArgumentException("lbsync.guard.max-drop-percent: must be 0..100, got " + maxDropPercent);
        }
        this.maxDropPercent = maxDropPercent;
        this.confirmAfter = confirmAfter;
        this.clock = clock;
    }

    /** Route step: sets {@link #HELD}; a held state is tried again (with Consul's newest state) when its wait ends. */
    public void check(Exchange exchange) {
        String target = exchange.getProperty("lbsyncTarget", String.class);
        CatalogSnapshot candidate = exchange.getMessage().getBody(ConsulState.class).catalog();
        List<String> drops = confirmAfter.isZero() ? List.of() : drops(accepted.get(target), candidate);
        Instant now = clock.instant();
        if (drops.isEmpty()) {
            if (heldSince.remove(target) != null) {
                LOG.info("event=guard-released target={} reason=\"Consul is back to a plausible state\"", target);
            }
            accept(exchange, target, candidate);
            return;
        }
        Instant since = heldSince.computeIfAbsent(target, t -> {
            holds.incrementAndGet();
            LOG.warn("event=guard-held target={} confirm_after_ms={} changes=\"{}\"", t, confirmAfter.toMillis(),
                    SafeValues.quotedForLog(String.join("; ", drops)));
            return now;
        });
        Duration waited = Duration.between(since, now);
        if (waited.compareTo(confirmAfter) >= 0) {
            heldSince.remove(target);
            LOG.warn("event=guard-confirmed target={} held_for_ms={} changes=\"{}\" (Consul still says so: applying)", target,
                    waited.toMillis(), SafeValues.quotedForLog(String.join("; ", drops)));
            accept(exchange, target, candidate);
            return;
        }
        exchange.getMessage().setHeader(HELD, true);
        exchange.setProperty(QuiesceEndpoint.RETRY_AFTER, confirmAfter.minus(waited));
    }

    private void accept(Exchange exchange, String target, CatalogSnapshot candidate) {
        accepted.put(target, candidate);
        exchange.getMessage().setHeader(HELD, false);
    }

    /** The implausible changes from the accepted state to the candidate; empty when there is none. */
    List<String> drops(CatalogSnapshot before, CatalogSnapshot after) {
        List<String> out = new ArrayList<>();
        if (before == null) {
            return out;
        }
        for (ServiceInstances service : before.services().values()) {
            int had = service.passing().size();
            if (had == 0) {
                continue;
            }
            ServiceInstances now = after.services().get(service.service());
            int has = now == null ? 0 : now.passing().size();
            if (has == 0) {
                out.add(SafeValues.forLog(service.service()) + " would lose all " + had + " servers");
            } else if ((long) (had - has) * 100 > (long) maxDropPercent * had) {
                out.add(SafeValues.forLog(service.service()) + " would lose " + (had - has) + " of " + had + " servers");
            }
        }
        return out;
    }

    /** How many times a state was held back (for metrics). */
    public long holds() {
        return holds.get();
    }
}
