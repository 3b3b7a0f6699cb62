package io.lbsync.consulsim;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the catalog in line with each agent's local state, like Consul's agent/local/state.go:
 * <ul>
 * <li>{@link #syncChanges}: push only what changed locally (runs right after every local change);</li>
 * <li>{@link #syncFull}: compare with the catalog, re-add what is missing or different, remove catalog
 * entries for the node that the agent does not own (runs every interval + random stagger).</li>
 * </ul>
 * That is why a {@code /v1/catalog/deregister} of an agent-owned service comes back, and only an agent
 * deregistration sticks. The full sync also plays the leader: it keeps serfHealth and the "consul" service.
 */
final class AntiEntropy {
    static final String CONSUL_SERVICE = "consul";

    private final StateStore store;
    private final Catalog catalog;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final Map<String, ScheduledFuture<?>> loops = new ConcurrentHashMap<>();

    AntiEntropy(StateStore store, Catalog catalog, ScheduledExecutorService scheduler, Duration interval) {
        this.store = store;
        this.catalog = catalog;
        this.scheduler = scheduler;
        this.interval = interval;
    }

    void syncChanges(LocalAgent agent) {
        store.write(txn -> {
            pushChanges(txn, agent);
            return null;
        });
    }

    void syncFull(LocalAgent agent) {
        store.write(txn -> {
            String node = agent.nodeName();
            catalog.ensureNode(txn, agent.catalogNode());
            catalog.ensureCheck(txn, CatalogCheck.serfHealth(node));
            if (agent.isServer()) {
                catalog.ensureService(txn, consulService(node));
            }
            for (CatalogService remote : catalog.servicesOn(node)) {
                LocalService local = agent.service(remote.id());
                if (local == null) {
                    if (!(agent.isServer() && remote.id().equals(CONSUL_SERVICE))) {
                        catalog.deleteService(txn, node, remote.id());
                    }
                } else if (!remote.sameAs(agent.catalogService(local))) {
                    local.inSync = false;
                }
            }
            for (LocalService local : agent.services()) {
                if (catalog.service(node, local.id()).isEmpty()) {
                    local.inSync = false;
                }
            }
            Map<String, LocalCheck> localChecks = new HashMap<>();
            agent.checks().forEach(c -> localChecks.put(c.id, c));
            for (CatalogCheck remote : catalog.checksOn(node)) {
                LocalCheck local = localChecks.remove(remote.checkId());
                if (local == null) {
                    if (!remote.checkId().equals(CatalogCheck.SERF_CHECK_ID)) {
                        catalog.deleteCheck(txn, node, remote.checkId());
                    }
                } else if (!remote.sameAs(agent.catalogCheck(local))) {
                    local.inSync = false;
                }
            }
            localChecks.values().forEach(c -> c.inSync = false);
            pushChanges(txn, agent);
            return null;
        });
    }

    private void pushChanges(StateStore.Txn txn, LocalAgent agent) {
        String node = agent.nodeName();
        catalog.ensureNode(txn, agent.catalogNode());
        for (String id : List.copyOf(agent.deletedServices)) {
            catalog.deleteService(txn, node, id);
            agent.deletedServices.remove(id);
        }
        for (String id : List.copyOf(agent.deletedChecks)) {
            catalog.deleteCheck(txn, node, id);
            agent.deletedChecks.remove(id);
        }
        for (LocalService s : agent.services()) {
            if (!s.inSync) {
                // Like Consul's syncService: the service travels with all its checks.
                catalog.ensureService(txn, agent.catalogService(s));
                for (LocalCheck c : agent.checks()) {
                    if (c.serviceId.equals(s.id())) {
                        catalog.ensureCheck(txn, agent.catalogCheck(c));
                        c.inSync = true;
                    }
                }
                s.inSync = true;
            }
        }
        for (LocalCheck c : agent.checks()) {
            if (!c.inSync) {
                // Consul refuses a check whose service is missing from the catalog; the next full sync fixes both.
                if (c.serviceId.isEmpty() || catalog.service(node, c.serviceId).isPresent()) {
                    catalog.ensureCheck(txn, agent.catalogCheck(c));
                    c.inSync = true;
                }
            }
        }
    }

    private static CatalogService consulService(String node) {
        Map<String, String> meta = Map.of("raft_version", "3", "serf_protocol_current", "2",
                "serf_protocol_max", "5", "serf_protocol_min", "1", "version", "1.10.0");
        return new CatalogService(node, CONSUL_SERVICE, CONSUL_SERVICE, List.of(), "", 8300, meta, null, 0, 0);
    }

    // ---- periodic loop ----

    /** Next full sync after interval + random stagger up to interval (Consul: 1 min + up to 1 min). */
    void schedule(LocalAgent agent) {
        long base = interval.toNanos();
        long delay = base + ThreadLocalRandom.current().nextLong(Math.max(1, base));
        try {
            ScheduledFuture<?> f = scheduler.schedule(() -> {
                if (agent.isRunning()) {
                    syncFull(agent);
                    schedule(agent);
                }
            }, delay, TimeUnit.NANOSECONDS);
            ScheduledFuture<?> previous = loops.put(agent.nodeName(), f);
            if (previous != null && previous != f) {
                previous.cancel(false);
            }
        } catch (RejectedExecutionException closed) {
            // simulator closed
        }
    }

    void cancel(LocalAgent agent) {
        ScheduledFuture<?> f = loops.remove(agent.nodeName());
        if (f != null) {
            f.cancel(false);
        }
    }
}
