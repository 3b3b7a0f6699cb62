package io.lbsync.watch;

import io.lbsync.consul.ConsulHttpException;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.CheckState;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.ServiceListing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every service (or a chosen few), read through a {@link CatalogSource}, with two long polls, whatever the number of services:
 * /v1/catalog/services (wakes on any registration change) and /v1/health/state/any (wakes on check changes).
 * A registration wake marks services dirty; a single refresher re-reads them with /v1/health/service/:name over at most
 * {@link #READ_CONNECTIONS} connections and hands on a new snapshot when the data, not just the index, changed.
 * A snapshot is only ever built from reads that all succeeded, so an unreachable Consul leaves the last snapshot in force.
 * <p>
 * What a wake costs (docs/design-watching.md, "What is re-read after a wake"):
 * <ol>
 * <li>check flips: nothing more: the new health comes from the checks body ({@link HealthFromChecks}); only a check of a
 * registration not held yet makes the service be read.</li>
 * <li>fast: services added, removed or re-tagged in the body of /v1/catalog/services are read at once.</li>
 * <li>counted: after every registration wake, Consul's UI service list (/v1/internal/ui/services: per service, its number
 * of registrations and tags) names the services whose registrations came or went; they are read at once.</li>
 * <li>located: an address, port or meta change is invisible in all of these. One listing of every registration's
 * ModifyIndex (/v1/internal/ui/nodes) is compared with the previous one: the services that changed, and were not read
 * since, are read. When the summaries explained the wake it waits up to {@link #LISTING_DEFERRAL} for other wakes to
 * share it; wakes that come while a listing runs share the next one.</li>
 * </ol>
 * A listing every {@link #SAFETY_LISTING} is the slow safety net. If Consul refuses the listing endpoint (a proxy in
 * front of Consul that blocks it, say), every watched service is re-read instead after each registration wake,
 * {@link #SWEEP_CHUNK} at a time (the sweep), as before lbsync 0.2.
 * The first read after start is a full one, handed on only when complete (never a partial first snapshot).
 * <p>
 * Isolation (docs/isolation.md): a read that fails for one service in a way that will not change on retry (Consul
 * lists it but answers 400 for its name, a redirect, an answer about another service) fails that service alone: it
 * keeps its last good instances, or is left out, and is tried again every {@link UnreadableServices#RETRY} or when the
 * catalog says it changed. Any other failure (connection, timeout, 5xx, 429, ACL) holds the whole snapshot back.
 */
public final class CatalogWatcher implements Watcher {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogWatcher.class);
    /**
     * Concurrent health reads after a wake. lbsync's whole budget per agent (docs/design-watching.md): 2 catalog long
     * polls + 1 K/V long poll + 1 leader election + these reads + 1 cleanup connection = 7, under the target of 8.
     */
    static final int READ_CONNECTIONS = 2;
    /** Services re-read per step of a sweep; fast (changed-for-sure) services are served between steps. */
    static final int SWEEP_CHUNK = 100;
    /** The slow safety net: a listing this often, even without a wake. */
    static final Duration SAFETY_LISTING = Duration.ofMinutes(10);
    /**
     * When the summaries explained a registration wake, the listing (megabytes for a large catalog, and the servers' time
     * to make it) waits this long for more wakes to share it: a deploy of many instances costs a few listings, not one
     * per instance. A wake the summaries cannot explain (an address, port or meta change) still gets one at once.
     */
    static final Duration LISTING_DEFERRAL = Duration.ofSeconds(2);

    private final CatalogSource reader;
    /** "" = the local datacenter; else another one, whose snapshots carry its name. */
    private final String datacenter;
    private final String readsName;
    private final ServiceFilter watched;
    private final Consumer<CatalogSnapshot> sink;
    private final WatchHealth health;
    private final Backoff refreshBackoff;
    private final BlockingLoop<Map<String, List<String>>> servicesLoop;
    private final BlockingLoop<List<CheckState>> checksLoop;

    private final Object lock = new Object();
    private Set<String> serviceNames;
    private Map<String, List<String>> tagsByService;
    private Map<String, Set<CheckState>> checksByService;
    /** The X-Consul-Index of {@link #checksByService}. */
    private long checksIndex;
    /** False until the first full read succeeded. */
    private boolean synced;
    /** Service → the index of the wake that said it changed: read unless it was read at that index or later. */
    private final Map<String, Long> dirty = new HashMap<>();
    /** Services whose checks changed: their health is worked out from the checks body ({@link HealthFromChecks}), else read. */
    private final Set<String> healthChanged = new HashSet<>();
    /** A sweep was asked for after the current one (or none) started. */
    private boolean sweepRequested;
    /** What is left of the running sweep. */
    private final java.util.ArrayDeque<String> sweep = new java.util.ArrayDeque<>();
    private long watchIndex;
    /** A registration wake asks for a listing (services read for the same change are not read again). */
    private boolean locateRequested;
    /** A registration wake asks first for the services' summaries: the quick way to find registrations that came or went. */
    private boolean summariesRequested;
    /** Consul refused the summaries endpoint: the listing alone finds what changed. */
    private boolean summariesUnavailable;
    private long nextSafetyListing;
    /** System.nanoTime() before which a requested listing waits (0: none deferred). */
    private long listingNotBefore;
    /** Consul refused the listing endpoint: sweep instead. */
    private boolean listingUnavailable;
    /** Refresh thread only: the last listing, and the index each service was last read at. */
    private ServiceListing lastListing;
    private final Map<String, Long> readIndex = new HashMap<>();
    private volatile boolean running;
    private ExecutorService executor;

    /** Sorted by name, as the snapshots are: a snapshot copies it in one pass. */
    private final Map<String, ServiceInstances> current = new TreeMap<>();
    /** The service names {@link #current} and the other per-service state were last trimmed to (refresh thread only). */
    private Set<String> trimmedTo;
    /** Read by the health-checks thread too (which services have an instance on a node). */
    private volatile CatalogSnapshot lastEmitted;

    public CatalogWatcher(CatalogSource reader, WatchOptions options, Consumer<CatalogSnapshot> sink, WatchHealth health) {
        this.reader = reader;
        this.watched = options.serviceFilter();
        this.sink = sink;
        this.health = health;
        this.refreshBackoff = options.newBackoff();
        this.datacenter = options.datacenter();
        this.readsName = options.watchName("health-services");
        this.servicesLoop = new BlockingLoop<>(options.watchName("catalog-services"), reader::services, options.blockingWait(),
                options.minInterval(), options.newBackoff(), this::onServices, health, options.newIndexTracker());
        this.checksLoop = new BlockingLoop<>(options.watchName("health-checks"), reader::checks, options.blockingWait(),
                options.minInterval(), options.newBackoff(), this::onChecks, health, options.newIndexTracker());
    }

    @Override
    public void start(ExecutorService executor) {
        this.executor = executor;
        running = true;
        executor.submit(servicesLoop);
        executor.submit(checksLoop);
        executor.submit(this::refreshLoop);
    }

    @Override
    public void stop() {
        running = false;
        servicesLoop.stop();
        checksLoop.stop();
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Both long polls start again on the new agent, with a non-blocking read handled like a wake (see {@link #resync}). */
    @Override
    public void agentSwitched() {
        servicesLoop.restart();
        checksLoop.restart();
    }

    /**
     * One non-blocking read of both bodies, handled like a wake: services that reappeared or vanished are marked dirty
     * and re-read; nothing else is.
     */
    @Override
    public void resync() {
        if (!running || executor == null) {
            return;
        }
        executor.submit(() -> {
            try {
                onServices(reader.services(0, null));
                onChecks(reader.checks(0, null));
            } catch (RuntimeException e) {
                LOG.debug("event=consul-resync-failed error=\"{}\"", WatchHealth.describe(e));
            }
        });
    }

    private void onServices(Reading<Map<String, List<String>>> reading) {
        Map<String, List<String>> next = new HashMap<>();
        reading.data().forEach((name, tags) -> {
            if (watched.test(name)) {
                next.put(name, tags == null ? List.of() : List.copyOf(tags));
            }
        });
        synchronized (lock) {
            if (tagsByService != null) {
                // added, removed or re-tagged services: changed for sure, read first
                Set<String> changed = new HashSet<>(next.keySet());
                changed.addAll(tagsByService.keySet());
                changed.removeIf(s -> Objects.equals(next.get(s), tagsByService.get(s)));
                changed.forEach(service -> dirty.merge(service, reading.index(), Math::max));
                // the body does not show address, port, meta or check-less instance changes: find them
                if (listingUnavailable) {
                    sweepRequested = true;
                } else {
                    locateRequested = true;
                }
                summariesRequested = !summariesUnavailable;
            }
            tagsByService = next;
            serviceNames = new TreeSet<>(next.keySet());
            watchIndex = Math.max(watchIndex, reading.index());
            lock.notifyAll();
        }
    }

    private void onChecks(Reading<List<CheckState>> reading) {
        Map<String, Set<CheckState>> next = reading.data().stream()
                .collect(Collectors.groupingBy(CheckState::service, Collectors.toSet()));
        synchronized (lock) {
            if (checksByService != null) {
                Set<String> changed = new HashSet<>(next.keySet());
                changed.addAll(checksByService.keySet());
                changed.removeIf(s -> next.getOrDefault(s, Set.of()).equals(checksByService.getOrDefault(s, Set.of())));
                // A failing check that left the body passed again — or went with its registration or node: only a read
                // can tell, so those services are read; a check that failed or changed status is worked out from the body.
                Set<String> vanished = new HashSet<>();
                changed.stream().filter(service -> !service.isEmpty()).forEach(service -> {
                    if (!checkKeys(next.get(service)).containsAll(checkKeys(checksByService.get(service)))) {
                        vanished.add(service);
                    }
                });
                boolean nodeCheckVanished = !checkKeys(next.get("")).containsAll(checkKeys(checksByService.get("")));
                if (changed.remove("")) {
                    // a node-level check (serfHealth, node maintenance) affects every service with an instance there
                    Set<String> nodes = new HashSet<>();
                    symmetricDifference(next.getOrDefault("", Set.of()), checksByService.getOrDefault("", Set.of()))
                            .forEach(c -> nodes.add(c.node()));
                    next.forEach((service, checks) -> {
                        if (!service.isEmpty() && checks.stream().anyMatch(c -> nodes.contains(c.node()))) {
                            changed.add(service);
                        }
                    });
                    CatalogSnapshot known = lastEmitted;
                    if (known != null) {
                        known.services().forEach((service, instances) -> {
                            if (instances.instances().stream().anyMatch(i -> nodes.contains(i.node()))) {
                                changed.add(service);
                            }
                        });
                    }
                    if (nodeCheckVanished) {
                        vanished.addAll(changed);
                    }
                }
                vanished.forEach(service -> dirty.merge(service, reading.index(), Math::max));
                changed.removeAll(vanished);
                healthChanged.addAll(changed);
            }
            checksByService = next;
            checksIndex = reading.index();
            watchIndex = Math.max(watchIndex, reading.index());
            lock.notifyAll();
        }
    }

    /** Node and check ID of each check: which checks there are, whatever their status. */
    private static Set<String> checkKeys(Set<CheckState> checks) {
        Set<String> keys = new HashSet<>();
        if (checks != null) {
            checks.forEach(c -> keys.add(c.node() + '\0' + c.checkId()));
        }
        return keys;
    }

    private static Set<CheckState> symmetricDifference(Set<CheckState> a, Set<CheckState> b) {
        Set<CheckState> d = new HashSet<>(a);
        d.addAll(b);
        Set<CheckState> both = new HashSet<>(a);
        both.retainAll(b);
        d.removeAll(both);
        return d;
    }

    private boolean hasWork() {
        return serviceNames != null && checksByService != null
                && (!synced || !dirty.isEmpty() || !healthChanged.isEmpty() || summariesDue() || listingDue() || sweepRequested
                || !sweep.isEmpty()
                || !unreadable().due(Instant.now()).isEmpty());
    }

    /** After a registration wake, before the listing: the summaries (Consul's UI service list). */
    private boolean summariesDue() {
        return synced && summariesRequested && !summariesUnavailable;
    }

    /** A listing is due after a registration wake, or as the safety net. */
    private boolean listingDue() {
        long now = System.nanoTime();
        return !listingUnavailable && synced
                && (locateRequested && (listingNotBefore == 0 || now - listingNotBefore >= 0) || now - nextSafetyListing >= 0);
    }

    private UnreadableServices unreadable() {
        return health.unreadable();
    }

    /** Waits for work, at most until the next retry of an unreadable service. */
    private void awaitWork() throws InterruptedException {
        Instant next = unreadable().nextRetry();
        long ms = next == null ? Long.MAX_VALUE : Math.max(1, Duration.between(Instant.now(), next).toMillis());
        if (synced && !listingUnavailable) {
            ms = Math.min(ms, Math.max(1, (nextSafetyListing - System.nanoTime() + 999_999) / 1_000_000));
            if (locateRequested && listingNotBefore != 0) {
                ms = Math.min(ms, Math.max(1, (listingNotBefore - System.nanoTime() + 999_999) / 1_000_000));
            }
        }
        lock.wait(ms == Long.MAX_VALUE ? 0 : ms);
    }

    private void refreshLoop() {
        while (running) {
            Set<String> names;
            Set<String> toRead;
            long index;
            boolean full;
            boolean listing = false;
            boolean summaries = false;
            Set<String> health = Set.of();
            Map<String, Set<CheckState>> checks;
            long checksAt;
            synchronized (lock) {
                while (running && !hasWork()) {
                    try {
                        awaitWork();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (!running) {
                    return;
                }
                names = serviceNames;
                full = !synced;
                Instant now = Instant.now();
                checks = checksByService;
                checksAt = checksIndex;
                if (full) {
                    toRead = new TreeSet<>(names);
                    dirty.clear();
                    healthChanged.clear();
                    sweep.clear();
                    sweepRequested = false;
                } else if (!dirty.isEmpty() || !healthChanged.isEmpty()) {
                    // both watches may report one change (a new instance with a check): read it once
                    Set<String> stale = new TreeSet<>();
                    dirty.forEach((service, at) -> {
                        if (readIndex.getOrDefault(service, -1L) < at) {
                            stale.add(service);
                        }
                    });
                    dirty.clear();
                    toRead = stale;
                    health = new TreeSet<>(healthChanged);
                    healthChanged.clear();
                } else if (summariesDue()) {
                    summaries = true;
                    summariesRequested = false;
                    toRead = new TreeSet<>();
                } else if (listingDue()) {
                    listing = true;
                    locateRequested = false;
                    listingNotBefore = 0;
                    nextSafetyListing = System.nanoTime() + SAFETY_LISTING.toNanos();
                    toRead = new TreeSet<>();
                } else if (sweep.isEmpty() && !sweepRequested) {
                    toRead = unreadable().due(now); // only slow retries of unreadable services are left to do
                } else {
                    if (sweep.isEmpty()) {
                        sweep.addAll(names);
                        sweepRequested = false;
                    }
                    toRead = new TreeSet<>();
                    while (toRead.size() < SWEEP_CHUNK && !sweep.isEmpty()) {
                        String next = sweep.poll();
                        if (!unreadable().waiting(next, now)) { // a sweep is no reason to retry it before its time
                            toRead.add(next);
                        }
                    }
                }
                toRead.retainAll(names);
                index = watchIndex;
            }
            if (!running) {
                return; // stopped while deciding: start no read
            }
            if (listing) {
                toRead = locate(names);
                if (toRead == null) {
                    continue;
                }
            } else if (summaries) {
                toRead = countedChanges(names);
            } else if (full) {
                baseline();
            }
            Map<String, ServiceInstances> healthChanges = healthFromChecks(health, toRead, checks, checksAt);
            toRead.retainAll(names); // the checks body covers every service, watched or not
            refresh(names, toRead, healthChanges, index, full);
        }
    }

    /**
     * The new health of services whose checks changed, from the checks body alone; a service it cannot be worked out for
     * (a check of a registration not held yet, or a read newer than the body) is added to {@code toRead}.
     */
    private Map<String, ServiceInstances> healthFromChecks(Set<String> services, Set<String> toRead,
                                                           Map<String, Set<CheckState>> checks, long checksAt) {
        Map<String, ServiceInstances> updated = new HashMap<>();
        for (String service : services) {
            ServiceInstances known = current.get(service);
            boolean newerRead = readIndex.getOrDefault(service, -1L) > checksAt; // the body must not undo a later read
            var worked = known == null || newerRead || toRead.contains(service) ? Optional.<ServiceInstances>empty()
                    : HealthFromChecks.apply(known, checks.getOrDefault(service, Set.of()), checks.getOrDefault("", Set.of()));
            if (worked.isPresent()) {
                updated.put(service, worked.get());
            } else if (!toRead.contains(service)) {
                toRead.add(service);
            }
        }
        return updated;
    }

    /**
     * The services whose registrations Consul counts differently from what lbsync holds (added, removed, one more or
     * less, other tags): read at once, before the listing finds any other change. Nothing when the summaries fail (the
     * listing that follows finds the same); a 4xx turns them off.
     */
    private Set<String> countedChanges(Set<String> names) {
        try {
            Instant now = Instant.now();
            Set<String> changed = reader.summaries(watched.only()).differingFrom(current, names::contains);
            changed.retainAll(names);
            changed.removeIf(service -> unreadable().waiting(service, now)); // retried on their own schedule
            synchronized (lock) {
                if (changed.isEmpty()) {
                    listingNotBefore = 0; // nothing explained this wake: only the listing can, now
                } else if (listingNotBefore == 0) {
                    listingNotBefore = System.nanoTime() + LISTING_DEFERRAL.toNanos();
                }
            }
            return changed;
        } catch (RuntimeException e) {
            if (refused(e)) {
                synchronized (lock) {
                    summariesUnavailable = true;
                }
                LOG.info("event=consul-summaries-unavailable path=/v1/internal/ui/services status={} action=\"the listing "
                        + "alone finds registration changes\"", ((ConsulHttpException) e).status());
            } else {
                LOG.debug("event=consul-summaries-failed error=\"{}\"", WatchHealth.describe(e));
            }
            synchronized (lock) {
                listingNotBefore = 0;
            }
            return new TreeSet<>();
        }
    }

    /** Before the first full read: the listing later ones are compared with (a change during the read shows in the next). */
    private void baseline() {
        synchronized (lock) {
            nextSafetyListing = System.nanoTime() + SAFETY_LISTING.toNanos();
        }
        try {
            lastListing = reader.listing();
        } catch (RuntimeException e) {
            listingRefused(e); // the full read goes on either way
        }
    }

    /**
     * The services a listing shows changed since the last one and not read since their change; null when the listing
     * failed (retried like any read, or, when Consul refuses the endpoint, replaced by sweeps).
     */
    private Set<String> locate(Set<String> names) {
        ServiceListing now;
        try {
            now = reader.listing();
        } catch (RuntimeException e) {
            if (!listingRefused(e)) {
                synchronized (lock) {
                    locateRequested = true;
                }
                retryLater(Set.of(), e);
            }
            return null;
        }
        refreshBackoff.reset();
        ServiceListing before = lastListing;
        lastListing = now;
        Set<String> changed = new TreeSet<>(now.changedSince(before));
        changed.retainAll(names);
        changed.removeIf(service -> readSinceItsChange(service, before, now));
        return changed;
    }

    /**
     * Whether the service's last read already shows what the listing says changed: its index (the service's own) is at
     * least the ModifyIndex of every registration that changed, and no registration that disappeared is still held (a
     * disappeared one has no index left to compare with; the read that found it gone — often the one the summaries
     * asked for — shows it by its absence).
     */
    private boolean readSinceItsChange(String service, ServiceListing before, ServiceListing now) {
        long read = readIndex.getOrDefault(service, -1L);
        Map<String, Long> was = before == null ? Map.of() : before.registrations().getOrDefault(service, Map.of());
        Map<String, Long> is = now.registrations().getOrDefault(service, Map.of());
        ServiceInstances held = current.get(service);
        if (held != null && held.instances().stream().map(i -> i.node() + "/" + i.id())
                .anyMatch(key -> was.containsKey(key) && !is.containsKey(key))) {
            return false;
        }
        long latest = is.values().stream().mapToLong(Long::longValue).max().orElse(0);
        return read >= latest;
    }

    /** Consul refuses the endpoint itself (a 4xx other than 429, e.g. a proxy that blocks /v1/internal/): no retry helps. */
    private static boolean refused(RuntimeException e) {
        return e instanceof ConsulHttpException http && http.status() >= 400 && http.status() < 500 && http.status() != 429;
    }

    /** True when Consul refuses the listing endpoint itself (4xx): from then on, wakes sweep instead. */
    private boolean listingRefused(RuntimeException e) {
        if (!refused(e)) {
            return false;
        }
        synchronized (lock) {
            listingUnavailable = true;
            sweepRequested = true;
            lock.notifyAll();
        }
        LOG.warn("event=consul-listing-unavailable path=/v1/internal/ui/nodes status={} action=\"re-read every service after "
                + "each registration change\"", ((ConsulHttpException) e).status());
        return true;
    }

    private void refresh(Set<String> names, Set<String> toRead, Map<String, ServiceInstances> healthChanges, long index,
                         boolean full) {
        Map<String, ServiceRead> read;
        try {
            read = readAll(toRead);
        } catch (RuntimeException e) {
            Set<String> again = new TreeSet<>(toRead);
            again.addAll(healthChanges.keySet());
            retryLater(again, e);
            return;
        }
        refreshBackoff.reset();
        if (full) {
            synchronized (lock) {
                synced = true;
            }
        }
        long maxIndex = Math.max(index, read.values().stream().filter(r -> r.instances() != null)
                .mapToLong(r -> r.instances().index()).max().orElse(0));
        health.success(readsName, maxIndex);
        if (names != trimmedTo) { // a new set of names comes with a registration wake only, not with check flips
            current.keySet().retainAll(names);
            readIndex.keySet().retainAll(names);
            unreadable().retainAll(names);
            trimmedTo = names;
        }
        Instant now = Instant.now();
        read.forEach((name, result) -> {
            if (result.failure() != null) {
                // this service alone: its last good instances stay (never emptied by an error), or it stays out
                unreadable().failed(name, result.failure(), current.containsKey(name), now);
                return;
            }
            unreadable().readable(name);
            readIndex.put(name, result.instances().index());
            // No registration left means the service is gone, even if catalog/services has not said so yet:
            // otherwise one deregistration would give a transient snapshot with an empty service, then another.
            if (result.instances().instances().isEmpty()) {
                current.remove(name);
            } else {
                current.put(name, result.instances());
            }
        });
        healthChanges.forEach((name, instances) -> {
            if (!read.containsKey(name) && current.containsKey(name) && names.contains(name)) {
                current.put(name, instances);
            }
        });
        CatalogSnapshot snapshot = CatalogSnapshot.of(maxIndex, current, datacenter);
        if (snapshot.sameDataAs(lastEmitted)) {
            return;
        }
        lastEmitted = snapshot;
        try {
            sink.accept(snapshot);
        } catch (RuntimeException e) {
            LOG.error("event=snapshot-delivery-failed error=\"{}\"", WatchHealth.describe(e), e);
        }
    }

    /** One service's read: its instances, or the failure that concerns it alone. */
    private record ServiceRead(ServiceInstances instances, RuntimeException failure) {
    }

    /** Reads one service; a failure that concerns only this service is returned, any other is thrown. */
    private ServiceRead readOne(String name) {
        try {
            return new ServiceRead(reader.service(name), null);
        } catch (RuntimeException e) {
            if (ServiceReadFailures.concernsOnlyTheService(e)) {
                return new ServiceRead(null, e);
            }
            throw e;
        }
    }

    /** Reads services over at most {@link #READ_CONNECTIONS} connections at once (Consul rule 6: a budget). */
    private Map<String, ServiceRead> readAll(Set<String> toRead) {
        List<String> names = List.copyOf(toRead);
        int parallel = Math.min(READ_CONNECTIONS, names.size());
        if (parallel <= 1) {
            Map<String, ServiceRead> read = new HashMap<>();
            names.forEach(name -> read.put(name, readOne(name)));
            return read;
        }
        List<Callable<Map<String, ServiceRead>>> tasks = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            int slice = i;
            tasks.add(() -> {
                Map<String, ServiceRead> part = new HashMap<>();
                for (int n = slice; n < names.size(); n += parallel) {
                    part.put(names.get(n), readOne(names.get(n)));
                }
                return part;
            });
        }
        Map<String, ServiceRead> read = new HashMap<>();
        try {
            for (Future<Map<String, ServiceRead>> f : executor.invokeAll(tasks)) {
                read.putAll(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
        return read;
    }

    private void retryLater(Set<String> toRead, RuntimeException e) {
        if (!running) {
            return; // stopping: the reads were cut short on purpose (their executor is shut down)
        }
        if (e instanceof io.lbsync.consul.ConsulAgentSwitchedException) {
            // cancelled by a switch of agents, not a fault: read them again at once, on the new agent
            synchronized (lock) {
                toRead.forEach(service -> dirty.put(service, Long.MAX_VALUE));
            }
            return;
        }
        ConsulErrorKind kind = health.failure(readsName, e);
        Duration delay = refreshBackoff.nextDelay();
        LOG.warn("event=consul-error watch={} kind={} failures={} retry_in_ms={} error=\"{}\"", readsName, kind.label(),
                refreshBackoff.failures(), delay.toMillis(), WatchHealth.describe(e));
        synchronized (lock) {
            toRead.forEach(service -> dirty.put(service, Long.MAX_VALUE)); // read again, whatever was read meanwhile
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
