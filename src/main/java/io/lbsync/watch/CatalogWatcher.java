package io.lbsync.watch;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ServiceInstances;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every service (or a chosen few) with two long polls, whatever the number of services:
 * /v1/catalog/services (wakes on any registration change) and /v1/health/state/any (wakes on check changes).
 * A wake marks services dirty; a single refresher re-reads only those with /v1/health/service/:name and
 * hands on a new snapshot when the data, not just the index, changed. A snapshot is only ever built from
 * reads that all succeeded, so an unreachable Consul leaves the last snapshot in force.
 */
public final class CatalogWatcher implements Watcher {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogWatcher.class);
    /** Concurrent health reads after a wake; with the two long polls at most 6 connections to the agent. */
    static final int READ_CONNECTIONS = 4;

    private final ConsulReader reader;
    private final Predicate<String> watched;
    private final Consumer<CatalogSnapshot> sink;
    private final WatchHealth health;
    private final Backoff refreshBackoff;
    private final BlockingLoop<Map<String, List<String>>> servicesLoop;
    private final BlockingLoop<List<CheckState>> checksLoop;

    private final Object lock = new Object();
    private Set<String> serviceNames;
    private Map<String, Set<CheckState>> checksByService;
    private boolean allDirty;
    private final Set<String> dirty = new HashSet<>();
    private long watchIndex;
    private volatile boolean running;
    private ExecutorService executor;

    private final Map<String, ServiceInstances> current = new HashMap<>();
    private CatalogSnapshot lastEmitted;

    public CatalogWatcher(ConsulReader reader, WatchOptions options, Consumer<CatalogSnapshot> sink, WatchHealth health) {
        this.reader = reader;
        this.watched = options.serviceFilter();
        this.sink = sink;
        this.health = health;
        this.refreshBackoff = options.newBackoff();
        this.servicesLoop = new BlockingLoop<>("catalog-services", reader::services, options.blockingWait(),
                options.minInterval(), options.newBackoff(), this::onServices, health, options.newIndexTracker());
        this.checksLoop = new BlockingLoop<>("health-checks", reader::checks, options.blockingWait(),
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

    private void onServices(Reading<Map<String, List<String>>> reading) {
        synchronized (lock) {
            serviceNames = reading.data().keySet().stream().filter(watched).collect(Collectors.toCollection(TreeSet::new));
            // The body does not say which service changed (it wakes for any instance change): re-read all.
            allDirty = true;
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
                if (changed.remove("")) {
                    allDirty = true; // a node-level check (serfHealth) affects every service on that node
                }
                dirty.addAll(changed);
            }
            checksByService = next;
            watchIndex = Math.max(watchIndex, reading.index());
            lock.notifyAll();
        }
    }

    private void refreshLoop() {
        while (running) {
            Set<String> names;
            Set<String> toRead;
            long index;
            synchronized (lock) {
                while (running && !(serviceNames != null && checksByService != null && (allDirty || !dirty.isEmpty()))) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (!running) {
                    return;
                }
                names = serviceNames;
                toRead = allDirty ? new TreeSet<>(names) : new TreeSet<>(dirty);
                toRead.retainAll(names);
                allDirty = false;
                dirty.clear();
                index = watchIndex;
            }
            refresh(names, toRead, index);
        }
    }

    private void refresh(Set<String> names, Set<String> toRead, long index) {
        Map<String, ServiceInstances> read;
        try {
            read = readAll(toRead);
        } catch (RuntimeException e) {
            retryLater(toRead, e);
            return;
        }
        refreshBackoff.reset();
        long maxIndex = Math.max(index, read.values().stream().mapToLong(ServiceInstances::index).max().orElse(0));
        health.success("health-services", maxIndex);
        current.keySet().retainAll(names);
        // No registration left means the service is gone, even if catalog/services has not said so yet:
        // otherwise one deregistration would give a transient snapshot with an empty service, then another.
        read.forEach((name, service) -> {
            if (service.instances().isEmpty()) {
                current.remove(name);
            } else {
                current.put(name, service);
            }
        });
        CatalogSnapshot snapshot = CatalogSnapshot.of(maxIndex, current);
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

    /** Reads services over at most {@link #READ_CONNECTIONS} connections at once (Consul rule 6: a budget). */
    private Map<String, ServiceInstances> readAll(Set<String> toRead) {
        List<String> names = List.copyOf(toRead);
        int parallel = Math.min(READ_CONNECTIONS, names.size());
        if (parallel <= 1) {
            Map<String, ServiceInstances> read = new HashMap<>();
            names.forEach(name -> read.put(name, reader.service(name)));
            return read;
        }
        List<Callable<Map<String, ServiceInstances>>> tasks = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            int slice = i;
            tasks.add(() -> {
                Map<String, ServiceInstances> part = new HashMap<>();
                for (int n = slice; n < names.size(); n += parallel) {
                    part.put(names.get(n), reader.service(names.get(n)));
                }
                return part;
            });
        }
        Map<String, ServiceInstances> read = new HashMap<>();
        try {
            for (Future<Map<String, ServiceInstances>> f : executor.invokeAll(tasks)) {
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
        ConsulErrorKind kind = health.failure("health-services", e);
        Duration delay = refreshBackoff.nextDelay();
        LOG.warn("event=consul-error watch=health-services kind={} failures={} retry_in_ms={} error=\"{}\"", kind.label(),
                refreshBackoff.failures(), delay.toMillis(), WatchHealth.describe(e));
        synchronized (lock) {
            dirty.addAll(toRead);
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
