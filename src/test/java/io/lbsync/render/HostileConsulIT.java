package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.LbsyncOnce;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.LocalConsul;
import io.lbsync.watch.WatchHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input registered in Consul itself (the real cluster of the test run, or the simulator), next to a few good
 * services: {@value #BATCHES} batches of {@value #PER_BATCH} registrations Consul accepted (hostile service names, IDs, tags, meta,
 * addresses, ports, check states; some on catalog-only nodes with hostile node names and addresses) and
 * {@value #KV_PER_BATCH} K/V site entries (hostile keys and values), plus the extremes: 1,000 tags, 10 kB values, empty
 * strings. For each batch: {@code --once} exits 0 within 30 s, every good service is in both configs, both configs
 * pass the real {@code haproxy -c} and {@code nginx -t} (lbsync's validate step, and again here), no line carries a
 * control character or an injection marker as a word of its own, every line not in the good-services-only config is
 * one the templates write; and a running lbsync keeps following a good service while the hostile ones are there.
 * Prints how many hostile values were tried, how many Consul refused, and how many lbsync left out, by field.
 */
class HostileConsulIT {
    static final int BATCHES = 2;
    static final int PER_BATCH = 1_000;
    static final int KV_PER_BATCH = 200;

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private final String kvPrefix = ConsulTestCluster.unique("hostile") + "/";
    private final String good = ConsulTestCluster.unique("good");
    private final List<String> externalNodes = new ArrayList<>();
    private final Map<String, AtomicLong> tried = new TreeMap<>();
    private final Map<String, AtomicLong> refusedByConsul = new TreeMap<>();
    private final AtomicLong registered = new AtomicLong();

    /** The agents hostile registrations go to (on the local cluster: the clients, which are rebuilt afterwards). */
    private List<String> hostileAgents;
    /** False on an external cluster: every registration must be removable by its ID there. */
    private boolean hostileIds;
    private final AtomicLong plainIds = new AtomicLong();

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1", "node-2", "node-3");
        // Some hostile IDs cannot be deregistered by path at all (Consul answers 400 or a redirect): on the local
        // cluster the client agents that got them are rebuilt empty afterwards; on an external cluster, which is not
        // ours to rebuild, IDs stay plain (names, tags, meta, addresses and the rest stay hostile)
        hostileIds = !cluster.isExternal();
        hostileAgents = cluster.isLocal() ? cluster.local().agents().stream().filter(a -> !a.server())
                .map(LocalConsul.Agent::node).toList() : cluster.nodes();
        for (int i = 0; i < 3; i++) {
            String node = cluster.nodes().get(i % cluster.nodes().size());
            cluster.http().registerService(node, "{\"Name\":\"" + good + "-" + i + "\",\"ID\":\"" + good + "-" + i + "-a\","
                    + "\"Address\":\"127.0.0.1\",\"Port\":" + (19601 + i) + ",\"Tags\":[\"lbsync.host=" + good + i + ".test\"]}").requireOk();
        }
        cluster.http().kvPut(kvPrefix + "sites/good", "{\"server_names\": [\"" + good + ".test\"], \"listen\": 8080, "
                + "\"routes\": {\"/\": \"" + good + "-0\"}}");
    }

    @AfterEach
    void tearDown() {
        if (hostileAgents == null) {
            if (cluster != null) {
                cluster.close();
            }
            return; // set-up did not get as far as registering (too few agents)
        }
        for (String node : externalNodes) {
            cluster.http().put("/v1/catalog/deregister", "{\"Node\":" + ConsulHttp.quote(node) + "}");
        }
        cluster.http().kvDelete(kvPrefix, true);
        if (cluster != null) {
            cluster.close();
        }
        if (cluster.isLocal()) {
            LocalConsul consul = cluster.local();
            hostileAgents.forEach(consul::restartAgentEmpty); // the agent leaves: its node and services leave the catalog
            consul.awaitReady();
        }
    }

    private Map<String, String> properties() {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.kv.prefix", kvPrefix);
        p.put("lbsync.haproxy.output", dir.resolve("haproxy.cfg").toString());
        p.put("lbsync.nginx.enabled", "true");
        p.put("lbsync.nginx.output", dir.resolve("nginx.conf").toString());
        // Hostile addresses include DNS names, which haproxy -c and nginx -t resolve: without network namespaces the
        // checkers run on the host, and every lookup waits for this sandbox's unreachable resolver (lbsync's own
        // validate step is the same command; only its isolation differs, as in HostileInputFuzzIT).
        String isolate = ConfigCheckers.isolationAvailable() ? "unshare -rn " : "";
        p.put("lbsync.haproxy.validate-command", isolate + "haproxy -c -q -f {file}");
        p.put("lbsync.nginx.validate-command", isolate + "nginx -t -q -p " + dir + "/ -c {file}");
        p.put("lbsync.nginx.param.pid", dir.resolve("nginx.pid").toString());
        p.put("lbsync.nginx.param.error_log", dir.resolve("nginx-error.log").toString());
        p.put("lbsync.cleanup.enabled", "false");
        return p;
    }

    @Test
    void hostileRegistrationsAndKeysNeverStopOrInjectIntoTheConfigs() throws Exception {
        Map<String, String> props = properties();
        assertThat(LbsyncOnce.run(props, dir.resolve("baseline.properties"), Duration.ofSeconds(30))).isZero();
        Set<String> baselineHaproxy = Set.copyOf(HostileInputs.lines(Files.readString(dir.resolve("haproxy.cfg"))));
        Set<String> baselineNginx = Set.copyOf(HostileInputs.lines(Files.readString(dir.resolve("nginx.conf"))));
        Map<String, Long> rejectedBefore = RejectedValues.shared().counts();
        long onceMillis = 0;
        for (int batch = 1; batch <= BATCHES; batch++) {
            registerBatch(batch);

            long t0 = System.nanoTime();
            int exit = LbsyncOnce.run(props, dir.resolve("once-" + batch + ".properties"), Duration.ofSeconds(30));
            onceMillis = Math.max(onceMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertThat(exit).as("--once exit code, batch %d", batch).isZero();
            String haproxy = Files.readString(dir.resolve("haproxy.cfg"));
            String nginx = Files.readString(dir.resolve("nginx.conf"));
            for (int i = 0; i < 3; i++) {
                assertThat(haproxy).as("good service %d in haproxy.cfg", i).contains("127.0.0.1:" + (19601 + i));
            }
            assertThat(nginx).as("good site in nginx.conf").contains("server_name " + good + ".test").contains("127.0.0.1:19601");
            assertSafe("haproxy", haproxy, baselineHaproxy, ConfigGrammar.HAPROXY, ConfigCheckers.haproxy(dir.resolve("haproxy.cfg")));
            assertSafe("nginx", nginx, baselineNginx, ConfigGrammar.NGINX, ConfigCheckers.nginx(dir.resolve("nginx.conf"), dir));

            // a running lbsync keeps following a good service with the hostile ones present
            try (LbsyncApp app = LbsyncApp.start(props)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("haproxy.cfg")).contains("127.0.0.1:19601"));
                int port = 19610 + batch;
                long t1 = System.nanoTime();
                cluster.http().registerService(cluster.nodes().get(0), "{\"Name\":\"" + good + "-0\",\"ID\":\"" + good + "-0-" + batch
                        + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Check\":{\"TTL\":\"30m\",\"Status\":\"passing\"}}")
                        .requireOk();
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(dir.resolve("haproxy.cfg")).contains("127.0.0.1:" + port));
                System.out.printf("HostileConsulIT: batch %d: a new instance of a good service reached the running lbsync's file in "
                        + "%d ms%n", batch, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));
                WatchHealth health = app.camel().getRegistry().lookupByNameAndType("watchHealth", WatchHealth.class);
                System.out.printf("HostileConsulIT: batch %d: %d services Consul lists but cannot serve back, left out alone%n",
                        batch, health.unreadable().count());
            }
        }
        Map<String, Long> rejected = new LinkedHashMap<>();
        RejectedValues.shared().counts().forEach((f, n) -> rejected.put(f, n - rejectedBefore.getOrDefault(f, 0L)));
        long total = tried.values().stream().mapToLong(AtomicLong::get).sum();
        System.out.printf("HostileConsulIT: %d hostile values tried; %d registrations accepted by Consul and %d K/V entries tried (%d batches); "
                        + "tried by field %s; refused by Consul %s; left out by lbsync %s; slowest --once %d ms%n", total,
                registered.get(), BATCHES * KV_PER_BATCH, BATCHES, counts(tried), counts(refusedByConsul), rejected, onceMillis);
        assertThat(registered.get()).as("hostile registrations Consul accepted").isGreaterThanOrEqualTo(2_000);
    }

    private static void assertSafe(String what, String config, Set<String> baseline, List<java.util.regex.Pattern> grammar,
                                   ConfigCheckers.Result checker) {
        assertThat(checker.exitCode()).as("%s checker: %s", what, checker.output()).isZero();
        assertThat(ConfigGrammar.nonPrintable(config)).as("%s: control or non-ASCII characters", what).isEmpty();
        assertThat(ConfigGrammar.injectedMarker(config)).as("%s: injected directives", what).isEmpty();
        assertThat(ConfigGrammar.unexpectedLines(config, baseline, grammar)).as("%s: lines the templates do not write", what).isEmpty();
    }

    private static String counts(Map<String, AtomicLong> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out.toString();
    }

    // ---- one batch of hostile registrations and keys, registered in parallel ----

    /**
     * Registers hostile registrations until Consul has accepted {@value #PER_BATCH} of them (it refuses some: invalid
     * meta keys, ports...), and {@value #KV_PER_BATCH} K/V entries; in parallel.
     */
    private void registerBatch(int batch) throws Exception {
        AtomicLong accepted = new AtomicLong();
        int round = 0;
        while (accepted.get() < PER_BATCH && round < 5) {
            int wanted = (int) (PER_BATCH - accepted.get());
            List<HostileInputs.Registration> registrations = HostileInputs.registration().sampleStream()
                    .limit(round == 0 ? wanted : wanted * 2L).toList();
            List<Runnable> work = new ArrayList<>();
            for (int i = 0; i < registrations.size(); i++) {
                HostileInputs.Registration r = registrations.get(i);
                boolean external = i % 10 == 0; // on a catalog-only node: hostile node name and address too
                String extreme = round > 0 ? "" : i == 0 ? "1000-tags" : i == 1 ? "10kB-meta" : i == 2 ? "empty" : "";
                    String node = hostileAgents.get(i % hostileAgents.size());
                String suffix = batch + "-" + round;
                work.add(() -> {
                    if (accepted.get() < PER_BATCH && register(r, external, extreme, node, suffix)) {
                        accepted.incrementAndGet();
                    }
                });
            }
            if (round == 0) {
                List<HostileInputs.KvSite> sites = HostileInputs.site().sampleStream().limit(KV_PER_BATCH).toList();
                for (int i = 0; i < KV_PER_BATCH; i++) {
                    HostileInputs.KvSite site = sites.get(i);
                    String value = i == 0 ? "x".repeat(10_240) : site.value();
                    work.add(() -> putKv(site.key(), value));
                }
            }
            runInParallel(work);
            round++;
        }
        registered.addAndGet(accepted.get());
    }

    private static void runInParallel(List<Runnable> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            work.forEach(w -> done.add(pool.submit(w)));
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** True when Consul accepted the registration. */
    private boolean register(HostileInputs.Registration r, boolean external, String extreme, String agent, String suffix) {
        List<String> tags = extreme.equals("1000-tags") ? nTags(1_000) : r.tags();
        Map<String, String> meta = extreme.equals("10kB-meta") ? Map.of("lbsync-host", "a".repeat(10_240)) : r.meta();
        String name = extreme.equals("empty") ? "" : r.service();
        count("service", 1);
        count("id", 1);
        count("tag", tags.size());
        count("meta", meta.size());
        count("address", 1);
        count("port", 1);
        String service = "\"Service\":" + ConsulHttp.quote(name) + ",\"ID\":" + ConsulHttp.quote((hostileIds ? r.id() : "hostile-" + plainIds.incrementAndGet()) + "-" + suffix)
                + ",\"Address\":" + ConsulHttp.quote(r.serviceAddress()) + ",\"Port\":" + r.port()
                + ",\"Tags\":" + HostileInputs.json(tags) + ",\"Meta\":" + HostileInputs.json(meta);
        ConsulHttp.Response answer;
        if (external) {
            count("node", 2);
            String node = r.node() + "-" + suffix;
            synchronized (externalNodes) {
                externalNodes.add(node);
            }
            answer = cluster.http().put("/v1/catalog/register", "{\"Node\":" + ConsulHttp.quote(node) + ",\"Address\":"
                    + ConsulHttp.quote(r.nodeAddress()) + ",\"Service\":{" + service + "},\"Check\":{\"Node\":" + ConsulHttp.quote(node)
                    + ",\"CheckID\":\"hostile\",\"Name\":\"hostile\",\"Status\":\"" + r.status().name().toLowerCase() + "\"}}");
        } else {
            answer = cluster.http().registerService(agent, "{" + service.replace("\"Service\":", "\"Name\":")
                    + ",\"Check\":{\"TTL\":\"30m\",\"Status\":\"" + r.status().name().toLowerCase() + "\"}}");
        }
        if (answer.status() != 200) {
            count(refusedByConsul, external ? "catalog-registration" : "registration");
            return false;
        }
        return true;
    }

    private void putKv(String key, String value) {
        count("kv-key", 1);
        count("kv-value", 1);
        ConsulHttp.Response r = cluster.http().send("PUT", cluster.url() + "/v1/kv/" + kvPrefix + "sites/" + encodeKey(key), value,
                Duration.ofSeconds(30));
        if (r.status() != 200) {
            count(refusedByConsul, "kv-" + r.status());
        }
    }

    /** The key as a path: '/' stays a separator, everything else is percent-encoded. */
    private static String encodeKey(String key) {
        List<String> parts = new ArrayList<>();
        for (String p : key.split("/", -1)) {
            parts.add(java.net.URLEncoder.encode(p, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return String.join("/", parts);
    }

    private static List<String> nTags(int n) {
        List<String> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            t.add("lbsync.host=h" + i + ".example");
        }
        return t;
    }

    private void count(String field, long n) {
        synchronized (tried) {
            tried.computeIfAbsent(field, f -> new AtomicLong()).addAndGet(n);
        }
    }

    private void count(Map<String, AtomicLong> m, String what) {
        synchronized (m) {
            m.computeIfAbsent(what, f -> new AtomicLong()).incrementAndGet();
        }
    }
}
