package io.lbsync.drain;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import io.lbsync.render.DrainPlan;
import io.lbsync.render.SafeValues;
import io.lbsync.runtimeapi.RuntimeApi;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drain before remove (HAProxy with the runtime API, one per target): a registration that was a server in the last
 * config and is no longer to be served — maintenance, critical, deregistered, a warning under "exclude" — stays in the
 * config with weight 0, which the runtime API applies without a reload: HAProxy sends it no new requests and lets the
 * ones in flight finish. It leaves the config once HAProxy shows no session or queued request on it, or when
 * lbsync.&lt;target&gt;.drain-timeout has passed. While anything drains, the target looks again every {@link #POLL}.
 * A registration served again stops draining. Forgotten on restart: lbsync then removes at once, as without drain.
 */
public final class ServerDrain {
    private static final Logger LOG = LoggerFactory.getLogger(ServerDrain.class);
    /** How often a draining server's sessions are looked at. */
    public static final Duration POLL = Duration.ofSeconds(1);

    private final String target;
    private final RuntimeApi runtime;
    private final Duration timeout;
    private final WarningPolicy policy;
    private final LongSupplier nanoTime;
    /** By {@link ServiceInstance#key()}. */
    private final Map<String, Draining> draining = new HashMap<>();
    /** The servers of the last complete model (what the config has, or is about to have). */
    private Map<String, Placed> lastPlaced = Map.of();

    /** A registration on its way out: as last seen, where it is in the config, until when at most. */
    private static final class Draining {
        final ServiceInstance instance;
        final long deadline;
        String server;
        /** False until a config with it at weight 0 was rendered: only then can its sessions be judged. */
        boolean rendered;

        Draining(ServiceInstance instance, String server, long deadline) {
            this.instance = instance;
            this.server = server;
            this.deadline = deadline;
        }
    }

    public ServerDrain(String target, RuntimeApi runtime, Duration timeout, WarningPolicy policy) {
        this(target, runtime, timeout, policy, System::nanoTime);
    }

    ServerDrain(String target, RuntimeApi runtime, Duration timeout, WarningPolicy policy, LongSupplier nanoTime) {
        this.target = target;
        this.runtime = runtime;
        this.timeout = timeout;
        this.policy = policy;
        this.nanoTime = nanoTime;
    }

    /** The plan for a render of {@code catalog}: who drains now, given what the last render placed. */
    public synchronized DrainPlan plan(CatalogSnapshot catalog) {
        long now = nanoTime.getAsLong();
        Map<String, ServiceInstance> present = new HashMap<>();
        Set<String> served = new HashSet<>();
        for (ServiceInstances service : catalog.services().values()) {
            for (ServiceInstance i : service.instances()) {
                present.put(i.key(), i);
                if (policy.serves(i.status())) {
                    served.add(i.key());
                }
            }
        }
        draining.keySet().removeIf(key -> {
            boolean back = served.contains(key);
            if (back) {
                log("drain-cancelled", draining.get(key), "served again");
            }
            return back;
        });
        lastPlaced.forEach((key, where) -> {
            if (!served.contains(key) && !draining.containsKey(key)) {
                Draining d = new Draining(where.instance, where.server, now + timeout.toNanos());
                draining.put(key, d);
                log("drain-started", d, present.containsKey(key) ? "health " + present.get(key).status().name().toLowerCase()
                        : "deregistered");
            }
        });
        finishDrained(now);
        List<ServiceInstance> departed = new ArrayList<>();
        draining.forEach((key, d) -> {
            if (!present.containsKey(key)) {
                departed.add(d.instance);
            }
        });
        return new Plan(Set.copyOf(draining.keySet()), departed);
    }

    /** Whether anything drains: the target should look again after {@link #POLL}. */
    public synchronized boolean active() {
        return !draining.isEmpty();
    }

    /** Drops the registrations whose drain is over: no request left on them, or out of time. */
    private void finishDrained(long now) {
        Map<String, Integer> sessions = null;
        boolean sessionsRead = false;
        for (Iterator<Draining> it = draining.values().iterator(); it.hasNext(); ) {
            Draining d = it.next();
            if (now - d.deadline >= 0) {
                log("drain-timeout", d, "still busy after " + timeout.toSeconds() + " s: removed");
                it.remove();
                continue;
            }
            if (!d.rendered) {
                d.rendered = true; // the render this plan is for sets its weight to 0
                continue;
            }
            if (!sessionsRead) {
                sessionsRead = true;
                sessions = sessions();
            }
            Integer busy = sessions == null ? null : sessions.get(d.server);
            if (busy != null && busy == 0) {
                log("drain-finished", d, "no request left");
                it.remove();
            }
        }
    }

    private Map<String, Integer> sessions() {
        try {
            return runtime.sessions();
        } catch (IOException | RuntimeException e) {
            // unknown: keep draining until the timeout rather than cut requests
            LOG.warn("event=drain-sessions-unknown target={} error=\"{}\"", target, SafeValues.quotedForLog(String.valueOf(e.getMessage())));
            return null;
        }
    }

    private void log(String event, Draining d, String why) {
        LOG.info("event={} target={} service={} id={} node={} server={} reason=\"{}\"", event, target,
                SafeValues.forLog(d.instance.service()), SafeValues.forLog(d.instance.id()), SafeValues.forLog(d.instance.node()),
                SafeValues.forLog(d.server), SafeValues.quotedForLog(why));
    }

    /** Where the render put a registration: "backend/server", and the registration as it was then. */
    private record Placed(ServiceInstance instance, String server) {
    }

    /** One render's plan; the render reports back where it placed every registration. */
    private final class Plan implements DrainPlan {
        private final Set<String> drainingKeys;
        private final List<ServiceInstance> departed;
        private final Map<String, Placed> placed = new HashMap<>();

        Plan(Set<String> drainingKeys, List<ServiceInstance> departed) {
            this.drainingKeys = drainingKeys;
            this.departed = departed;
        }

        @Override
        public Collection<ServiceInstance> departed() {
            return departed;
        }

        @Override
        public boolean draining(ServiceInstance instance) {
            return drainingKeys.contains(instance.key());
        }

        @Override
        public void placed(ServiceInstance instance, String backend, String server) {
            String where = backend + "/" + server;
            placed.put(instance.key(), new Placed(instance, where));
            synchronized (ServerDrain.this) {
                Draining d = draining.get(instance.key());
                if (d != null) {
                    d.server = where;
                }
            }
        }

        @Override
        public void built() {
            synchronized (ServerDrain.this) {
                lastPlaced = Map.copyOf(placed);
            }
        }
    }
}
