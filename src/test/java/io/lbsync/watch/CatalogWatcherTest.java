package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.consul.ConsulHttpException;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.CheckState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.ServiceListing;
import io.lbsync.model.ServiceSummaries;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link CatalogWatcher} on an in-memory {@link CatalogSource}: what it reads after which change, and what it hands on. */
class CatalogWatcherTest {
    private final FakeCatalog consul = new FakeCatalog();
    private final List<CatalogSnapshot> handedOn = new CopyOnWriteArrayList<>();
    private final WatchHealth health = new WatchHealth();
    private ExecutorService executor;
    private CatalogWatcher watcher;

    @BeforeEach
    void catalog() {
        consul.register("a", 8001, "passing");
        consul.register("b", 8002, "passing");
        consul.register("c", 8003, null); // no check at all
    }

    private void start() {
        start(ServiceFilter.ALL);
    }

    private void start(ServiceFilter services) {
        WatchOptions options = new WatchOptions(Duration.ofSeconds(2), Duration.ofMillis(1), Duration.ofMillis(50),
                Duration.ofMillis(200), Duration.ofSeconds(60), services);
        watcher = new CatalogWatcher(consul, options, handedOn::add, health);
        executor = Executors.newCachedThreadPool();
        watcher.start(executor);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (watcher != null) {
            watcher.stop();
            executor.shutdownNow();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    private CatalogSnapshot last() {
        return handedOn.get(handedOn.size() - 1);
    }

    private void awaitSnapshots(int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> handedOn.size() >= n);
    }

    /** Nothing more handed on or read for a while: the watcher is idle. */
    private void settle() throws InterruptedException {
        int reads;
        do {
            reads = consul.totalReads();
            Thread.sleep(150);
        } while (reads != consul.totalReads());
    }

    @Test
    void theFirstSnapshotIsHandedOnOnlyOnceEveryServiceWasRead() throws Exception {
        CountDownLatch slowB = consul.holdReadsOf("b");
        start();
        await().atMost(Duration.ofSeconds(5)).until(() -> consul.reads("a") == 1 && consul.reads("c") == 1);
        Thread.sleep(200);
        assertThat(handedOn).as("no partial first snapshot while b is being read").isEmpty();

        slowB.countDown();
        awaitSnapshots(1);
        settle();
        assertThat(handedOn).hasSize(1);
        assertThat(last().services()).containsOnlyKeys("a", "b", "c");
        assertThat(last().instanceCount()).isEqualTo(3);
    }

    @Test
    void aFailingCheckIsWorkedOutFromTheChecksBodyAndARecoveryIsRead() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        Map<String, Integer> before = consul.readCounts();

        consul.setCheck("a", "critical");
        awaitSnapshots(2);
        settle();
        assertThat(last().services().get("a").instances().get(0).status()).isEqualTo(HealthStatus.CRITICAL);
        assertThat(consul.readCounts()).as("no service read for a check that fails").isEqualTo(before);
        // gone from the body of checks that are not passing: passing again, or gone with its registration: read
        consul.setCheck("a", "passing");
        awaitSnapshots(3);
        settle();
        assertThat(last().services().get("a").instances().get(0).status()).isEqualTo(HealthStatus.PASSING);
        assertThat(consul.reads("a")).isEqualTo(before.get("a") + 1);
        assertThat(consul.reads("b")).isEqualTo(before.get("b"));
        assertThat(handedOn).hasSize(3);
    }

    @Test
    void aCriticalRegistrationThatIsDeregisteredIsNeverHandedOnAsPassing() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        consul.registerExtra("b", 9302); // b keeps a registration when its first one goes
        awaitSnapshots(2);
        consul.setCheck("b", "critical");
        awaitSnapshots(3);
        settle();
        int before = handedOn.size();
        consul.deregisterMain("b"); // its failing check leaves the body with it: not a recovery
        await().atMost(Duration.ofSeconds(5)).until(() -> last().services().containsKey("b")
                && last().services().get("b").instances().size() == 1);
        settle();
        assertThat(handedOn.subList(before, handedOn.size())).allSatisfy(snapshot -> assertThat(snapshot.services().getOrDefault("b",
                new ServiceInstances("b", 0, List.of())).instances()).noneMatch(i -> i.id().equals("b-1") && i.passing()));
    }

    @Test
    void aRegistrationThatComesIsFoundByTheSummariesWithoutWaitingForTheListing() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        Map<String, Integer> before = consul.readCounts();
        consul.refuseListings(new ConsulHttpException(URI.create("http://consul:8500"), "/v1/internal/ui/nodes", 500, "slow"));

        consul.registerExtra("b", 9202); // no check: invisible in both bodies, one registration more in b's summary
        awaitSnapshots(2);
        assertThat(last().services().get("b").instances()).extracting(ServiceInstance::port).contains(9202);
        assertThat(consul.reads("b")).isEqualTo(before.get("b") + 1);
        assertThat(consul.reads("a")).isEqualTo(before.get("a"));
    }

    @Test
    void aWatchOfNamedServicesAsksForTheirSummariesAlone() throws Exception {
        start(new ServiceFilter(Set.of("a", "b"), Set.of()));
        awaitSnapshots(1);
        settle();
        consul.registerExtra("b", 9202);
        awaitSnapshots(2);
        assertThat(last().services()).containsOnlyKeys("a", "b");
        assertThat(last().services().get("b").instances()).extracting(ServiceInstance::port).contains(9202);
        assertThat(consul.summariesAskedFor()).as("every summaries read named the watched services").isNotEmpty()
                .allSatisfy(only -> assertThat(only).containsExactlyInAnyOrder("a", "b"));
    }

    @Test
    void aChangeInvisibleInBothBodiesIsFoundByOneListingAndOnlyThatServiceIsRead() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        Map<String, Integer> before = consul.readCounts();
        int listings = consul.listings();

        consul.register("c", 9003, null); // a new port: neither the tags nor any check tell which service changed
        awaitSnapshots(2);
        settle();
        assertThat(last().services().get("c").instances().get(0).port()).isEqualTo(9003);
        assertThat(consul.listings()).as("one listing for the wake").isEqualTo(listings + 1);
        assertThat(consul.reads("c")).isEqualTo(before.get("c") + 1);
        assertThat(consul.reads("a")).as("a did not change: not read").isEqualTo(before.get("a"));
        assertThat(consul.reads("b")).isEqualTo(before.get("b"));
    }

    @Test
    void aNewInstanceWithACheckIsReadOnceTheListingDoesNotReadItAgain() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        Map<String, Integer> before = consul.readCounts();

        consul.register("d", 8004, "passing"); // a new service with a check: both bodies tell
        awaitSnapshots(2);
        settle();
        assertThat(last().services()).containsKey("d");
        assertThat(consul.reads("d")).isEqualTo(1);
        assertThat(consul.reads("a")).isEqualTo(before.get("a"));
    }

    @Test
    void aServiceReadForACheckFlipIsStillReadAgainWhenARegistrationOfItGoes() throws Exception {
        consul.registerExtra("a", 8101); // a second registration of a (no check of its own)
        start();
        awaitSnapshots(1);
        settle();
        consul.setCheck("a", "critical"); // a is read at the flip's index, after the last listing
        awaitSnapshots(2);
        settle();

        consul.deregisterExtra("a"); // one of its registrations goes, the service stays: only the listing shows it
        awaitSnapshots(3);
        assertThat(last().services().get("a").instances()).hasSize(1);
    }

    @Test
    void whenConsulRefusesTheListingEveryServiceIsReReadAfterAWake() throws Exception {
        consul.refuseListings(new ConsulHttpException(URI.create("http://consul:8500"), "/v1/internal/ui/nodes", 403, "blocked"));
        start();
        awaitSnapshots(1);
        settle();
        Map<String, Integer> before = consul.readCounts();

        consul.register("c", 9003, null);
        awaitSnapshots(2);
        settle();
        assertThat(last().services().get("c").instances().get(0).port()).isEqualTo(9003);
        for (String name : List.of("a", "b", "c")) {
            assertThat(consul.reads(name)).as("sweep read of %s", name).isGreaterThan(before.get(name));
        }
    }

    @Test
    void aReturnThatChangesNothingHandsNothingOn() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        int listings = consul.listings();
        Map<String, Integer> before = consul.readCounts();
        consul.touchRegistrations(); // the index moves, the data does not
        await().atMost(Duration.ofSeconds(5)).until(() -> consul.listings() > listings);
        settle();
        assertThat(handedOn).hasSize(1);
        assertThat(consul.readCounts()).as("the listing shows no change: nothing read").isEqualTo(before);
    }

    @Test
    void aServiceThatCannotBeReadIsLeftAloneAndTheOthersStillUpdate() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        consul.failReadsOf("b", new ConsulHttpException(URI.create("http://consul:8500"), "/v1/health/service/b", 400, "bad"));

        consul.register("b", 9002, "passing"); // b changed, but cannot be read now
        consul.register("c", 9003, null);
        awaitSnapshots(2);
        settle();
        assertThat(last().services().get("c").instances().get(0).port()).as("c still updates").isEqualTo(9003);
        assertThat(last().services().get("b").instances().get(0).port()).as("b keeps its last good read").isEqualTo(8002);
        assertThat(health.unreadable().count()).isEqualTo(1);

        consul.setCheck("a", "warning");
        awaitSnapshots(3);
        assertThat(last().services().get("a").instances().get(0).status()).isEqualTo(HealthStatus.WARNING);
        assertThat(last().services().get("b").instances().get(0).port()).isEqualTo(8002);
    }

    @Test
    void aFailureOfConsulItselfHoldsTheSnapshotBackUntilTheReadSucceeds() throws Exception {
        start();
        awaitSnapshots(1);
        settle();
        consul.failReadsOf("a", new ConsulHttpException(URI.create("http://consul:8500"), "/v1/health/service/a", 500, "no leader"));
        consul.register("a", 9101, null); // a new port: found by the listing, then read
        await().atMost(Duration.ofSeconds(5)).until(() -> health.errorCount(ConsulErrorKind.HTTP_5XX) >= 2);
        assertThat(handedOn).hasSize(1);
        assertThat(health.unreadable().count()).isZero();

        consul.failReadsOf("a", null);
        awaitSnapshots(2);
        assertThat(last().services().get("a").instances().get(0).port()).isEqualTo(9101);
    }

    /**
     * A catalog in memory with Consul's blocking semantics: /v1/catalog/services moves its index on registration
     * changes only, /v1/health/state/any on check changes only; one instance per service, on node-1.
     */
    static final class FakeCatalog implements CatalogSource {
        private final Map<String, ServiceInstance> instances = new TreeMap<>();
        private final Map<String, String> checks = new TreeMap<>();
        private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
        private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
        private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
        private final Map<String, Long> modifyIndex = new TreeMap<>();
        private final Map<String, Long> serviceIndex = new TreeMap<>();
        private final AtomicInteger listings = new AtomicInteger();
        private final AtomicInteger summaries = new AtomicInteger();
        private final List<Set<String>> summariesAskedFor = new CopyOnWriteArrayList<>();
        private volatile RuntimeException listingFailure;
        private long raft = 10;
        private long servicesIndex = raft;
        private long checksIndex = raft;

        /** The services each summaries read asked for (empty: all). */
        List<Set<String>> summariesAskedFor() {
            return summariesAskedFor;
        }

        synchronized void register(String name, int port, String checkStatus) {
            servicesIndex = ++raft;
            if (checkStatus != null) {
                checks.put(name, checkStatus);
                checksIndex = raft; // the registration's check is written in the same transaction
            }
            instances.put(name, instance(name, port));
            modifyIndex.put(name, raft);
            serviceIndex.put(name, raft);
            notifyAll();
        }

        /** Second registrations ("<name>-2", no check), by service. */
        private final Map<String, ServiceInstance> extras = new TreeMap<>();
        private final Map<String, Long> extraModifyIndex = new TreeMap<>();

        synchronized void registerExtra(String name, int port) {
            servicesIndex = ++raft;
            extras.put(name, ServiceInstance.of(name, name + "-2", "node-1", "10.0.0.1", "", port, List.of("t"), Map.of(),
                    HealthStatus.PASSING));
            extraModifyIndex.put(name, raft);
            serviceIndex.put(name, raft);
            notifyAll();
        }

        /** The main registration and its check go in one transaction, as a deregistration does. */
        synchronized void deregisterMain(String name) {
            servicesIndex = ++raft;
            checksIndex = raft;
            instances.remove(name);
            checks.remove(name);
            modifyIndex.remove(name);
            serviceIndex.put(name, raft);
            notifyAll();
        }

        synchronized void deregisterExtra(String name) {
            servicesIndex = ++raft;
            extras.remove(name);
            extraModifyIndex.remove(name);
            serviceIndex.put(name, raft);
            notifyAll();
        }

        void refuseListings(RuntimeException failure) {
            listingFailure = failure;
        }

        int listings() {
            return listings.get();
        }

        synchronized void touchRegistrations() {
            servicesIndex = ++raft;
            notifyAll();
        }

        synchronized void setCheck(String name, String status) {
            checks.put(name, status);
            instances.put(name, instance(name, instances.get(name).port()));
            checksIndex = ++raft;
            serviceIndex.put(name, raft);
            notifyAll();
        }

        private ServiceInstance instance(String name, int port) {
            String check = checks.get(name);
            return ServiceInstance.of(name, name + "-1", "node-1", "10.0.0.1", "", port, List.of("t"), Map.of(),
                    check == null ? HealthStatus.PASSING : HealthStatus.of(check));
        }

        CountDownLatch holdReadsOf(String name) {
            CountDownLatch latch = new CountDownLatch(1);
            holds.put(name, latch);
            return latch;
        }

        void failReadsOf(String name, RuntimeException failure) {
            if (failure == null) {
                failures.remove(name);
            } else {
                failures.put(name, failure);
            }
        }

        int reads(String name) {
            return reads.getOrDefault(name, new AtomicInteger()).get();
        }

        int totalReads() {
            return reads.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        Map<String, Integer> readCounts() {
            Map<String, Integer> counts = new HashMap<>();
            reads.forEach((k, v) -> counts.put(k, v.get()));
            return counts;
        }

        private void block(long index, Duration wait, java.util.function.LongSupplier current) {
            if (index <= 0 || wait == null) {
                return;
            }
            long until = System.nanoTime() + wait.toNanos();
            try {
                while (current.getAsLong() == index && System.nanoTime() < until) {
                    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }

        @Override
        public synchronized Reading<Map<String, List<String>>> services(long index, Duration wait) {
            block(index, wait, () -> servicesIndex);
            Map<String, List<String>> tags = new TreeMap<>();
            instances.forEach((name, i) -> tags.put(name, i.tags()));
            extras.forEach((name, i) -> tags.putIfAbsent(name, i.tags()));
            return new Reading<>(tags, servicesIndex);
        }

        @Override
        public synchronized Reading<List<CheckState>> checks(long index, Duration wait) {
            block(index, wait, () -> checksIndex);
            // like ConsulReader's filtered read: only the checks that are not passing
            List<CheckState> states = new ArrayList<>();
            checks.forEach((name, status) -> {
                if (!status.equals("passing")) {
                    states.add(new CheckState("node-1", name + "-check", name, name + "-1", status));
                }
            });
            return new Reading<>(states, checksIndex);
        }

        @Override
        public ServiceInstances service(String name) {
            CountDownLatch hold = holds.get(name);
            if (hold != null) {
                try {
                    hold.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            reads.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            RuntimeException failure = failures.get(name);
            if (failure != null) {
                throw failure;
            }
            synchronized (this) {
                List<ServiceInstance> all = new ArrayList<>();
                if (instances.containsKey(name)) {
                    all.add(instances.get(name));
                }
                if (extras.containsKey(name)) {
                    all.add(extras.get(name));
                }
                // like Consul: the service's own index (its last change), the catalog's for an unknown service
                return new ServiceInstances(name, serviceIndex.getOrDefault(name, servicesIndex), all);
            }
        }

        @Override
        public synchronized ServiceListing listing() {
            listings.incrementAndGet();
            if (listingFailure != null) {
                throw listingFailure;
            }
            Map<String, Map<String, Long>> registrations = new TreeMap<>();
            instances.forEach((name, i) -> registrations.computeIfAbsent(name, k -> new TreeMap<>()).put("node-1/" + i.id(), modifyIndex.get(name)));
            extras.forEach((name, i) -> registrations.computeIfAbsent(name, k -> new TreeMap<>()).put("node-1/" + i.id(),
                    extraModifyIndex.get(name)));
            return new ServiceListing(raft, registrations);
        }

        @Override
        public synchronized ServiceSummaries summaries(Set<String> only) {
            summaries.incrementAndGet();
            summariesAskedFor.add(only);
            Map<String, ServiceSummaries.Summary> byService = new TreeMap<>();
            instances.forEach((name, i) -> byService.put(name, new ServiceSummaries.Summary(extras.containsKey(name) ? 2 : 1,
                    java.util.Set.copyOf(i.tags()))));
            extras.forEach((name, i) -> byService.putIfAbsent(name, new ServiceSummaries.Summary(1, java.util.Set.copyOf(i.tags()))));
            return new ServiceSummaries(raft, byService);
        }
    }
}
