package io.lbsync.bench;

import static org.junit.jupiter.api.Assertions.fail;

import io.lbsync.testsupport.Commands;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.LocalConsul;
import io.lbsync.testsupport.Ports;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync and consul-template side by side on one real Consul cluster (issue 15; docs/benchmarks.md, "Side by side").
 * Run with {@code mvn -o -Pbench verify -Dit.test=SideBySideBench}; never part of a plain {@code mvn verify}.
 * <p>
 * Per size (1, 200, 2,000 services of 2 passing instances each, spread over the two client agents): both tools run as
 * separate processes, each behind its own {@link CountingProxy} in front of the same client agent, and render every
 * passing instance as one line {@code service id address port tags=.. meta=..} into a file in a temp directory.
 * Each change is timed from just before the Consul API call until each tool's file shows it (or 10 s: a miss), and
 * the next change starts only after both files show it. Prints {@code BENCH sbs ...} lines.
 * <p>
 * Without a consul binary or without consul-template on PATH it says so and fails: it never falls back to the
 * simulator.
 */
class SideBySideBench {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FIRST_SYNC_TIMEOUT = Duration.ofMinutes(4);
    /** After both files show a change: requests a tool still sends for it (re-armed blocking queries) count for it. */
    private static final long SETTLE_MS = 200;
    /** lbsync's JVM options and environment exactly as packaging/lbsync.service starts it (read from the unit file). */
    private static final List<String> LBSYNC_JVM_OPTIONS = unitJvmOptions();
    private static final Map<String, String> LBSYNC_ENVIRONMENT = unitEnvironment();

    /** The arguments between "java" and "-jar" of the unit's ExecStart. */
    private static List<String> unitJvmOptions() {
        try {
            String exec = Files.readAllLines(Path.of("packaging/lbsync.service")).stream().filter(l -> l.startsWith("ExecStart="))
                    .findFirst().orElseThrow();
            List<String> words = List.of(exec.substring("ExecStart=".length()).trim().split("\\s+"));
            return words.subList(1, words.indexOf("-jar"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The unit's Environment= lines other than lbsync's own settings (MALLOC_ARENA_MAX). */
    private static Map<String, String> unitEnvironment() {
        try {
            Map<String, String> env = new java.util.LinkedHashMap<>();
            Files.readAllLines(Path.of("packaging/lbsync.service")).stream().filter(l -> l.startsWith("Environment="))
                    .map(l -> l.substring("Environment=".length())).filter(kv -> !kv.startsWith("LBSYNC_"))
                    .forEach(kv -> env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1)));
            return env;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
    /**
     * Loopback source addresses per tool for the proxies' connections to the agent. The agent allows
     * {@code http_max_conns_per_client} (200 by default) connections per client address; consul-template holds one
     * blocking query, hence one connection, per service, and with one address it never completes its first sync at
     * 2,000 services (it retries forever, 20,000 requests in 4 min). 32 addresses let each tool open up to 6,400,
     * what an operator running consul-template at that size must configure on the agent. -Dbench.sources=1 shows
     * the stock limit.
     */
    private static final int SOURCES = Integer.getInteger("bench.sources", 32);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "stop-bench-processes"));
    }

    /** consul-template's template: every passing instance of every service but Consul's own (lbsync excludes it too). */
    static final String CONSUL_TEMPLATE = "{{range services}}{{if ne .Name \"consul\"}}{{range service .Name}}"
            + "{{.Name}} {{.ID}} {{.Address}} {{.Port}} tags={{join \",\" .Tags}} meta={{range $k, $v := .ServiceMeta}}{{$k}}={{$v}};{{end}}\n"
            + "{{end}}{{end}}{{end}}";
    /** lbsync's template (a file target with raw values on): the same lines. */
    static final String LBSYNC_TEMPLATE = "<#list services as service><#list service.servers as server>"
            + "${server.raw.service} ${server.raw.id} ${server.raw.address} ${server.raw.port?c} tags=${server.raw.tags?join(\",\")} "
            + "meta=<#list server.raw.meta?keys?sort as k>${k}=${server.raw.meta[k]};</#list>\n</#list></#list>";

    private static final String[] KINDS = {"add", "remove", "flip", "address", "port", "meta", "tags", "add-nocheck", "remove-nocheck",
        "address-nocheck", "port-nocheck", "meta-nocheck", "tags-nocheck"};

    @TempDir
    Path dir;

    private final ConsulHttp http = ConsulHttp.plain();
    private final List<String> summary = new ArrayList<>();
    private final List<String> perSize = new ArrayList<>();
    private final List<String> unmet = new ArrayList<>();

    @Test
    void lbsyncAndConsulTemplateSideBySide() throws Exception {
        Optional<Path> consul = LocalConsul.binary();
        if (consul.isEmpty()) {
            String msg = "no consul binary (LBSYNC_TEST_CONSUL_BIN or 'consul' on PATH): the side-by-side benchmark needs a real "
                    + "Consul cluster and does not run on the simulator";
            System.out.println("BENCH sbs FAILED: " + msg);
            fail(msg);
        }
        Optional<Path> consulTemplate = onPath("consul-template");
        if (consulTemplate.isEmpty()) {
            String msg = "no consul-template on PATH: the side-by-side benchmark compares lbsync with it";
            System.out.println("BENCH sbs FAILED: " + msg);
            fail(msg);
        }
        Path jar = Path.of("target/lbsync.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            fail(jar + " missing: run the benchmark through 'mvn -Pbench verify' (package builds the jar first)");
        }
        LocalConsul cluster = LocalConsul.plain();
        System.out.printf("BENCH sbs setup: %s (1 server + 2 clients), %s, lbsync %s started as 'java %s -jar lbsync.jar' (%s), "
                        + "java %s, %d cores; each tool's proxy connects from %d loopback address(es) (agent limit: 200 connections "
                        + "per address)%n", LocalConsul.version(consul.get()),
                Commands.capture(consulTemplate.get().toString(), "-v").output().trim(), jar.getFileName(),
                String.join(" ", LBSYNC_JVM_OPTIONS), "packaging/lbsync.service", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), SOURCES);
        long t0 = System.nanoTime();
        for (String size : System.getProperty("bench.sizes", "1,200,2000").split(",")) {
            int services = Integer.parseInt(size.trim());
            int changes = Integer.getInteger("bench.changes", services >= 2_000 ? 30 : 40);
            int perVariant = Integer.getInteger("bench.correctness", 4);
            runSize(cluster, consulTemplate.get(), jar, services, changes, perVariant);
        }
        System.out.println("BENCH sbs table 1: change→file in ms (p50 p95 max), Consul HTTP requests per change, misses");
        System.out.println("BENCH sbs " + String.format(Locale.ROOT, "%26s | %-32s | %-32s | %s", "", "lbsync", "consul-template",
                "ratio lbsync/consul-template"));
        System.out.println("BENCH sbs " + String.format(Locale.ROOT, "%6s %-15s %3s | %5s %5s %5s %7s %4s | %5s %5s %5s %7s %4s | %5s %5s %7s",
                "size", "kind", "n", "p50", "p95", "max", "req/chg", "miss", "p50", "p95", "max", "req/chg", "miss", "p50", "p95", "req/chg"));
        summary.forEach(l -> System.out.println("BENCH sbs " + l));
        System.out.println("BENCH sbs table 2: first full sync (ms from process start, ms from its first request, requests), TCP "
                + "connections during the changes (max/median), RSS after the run (MiB), CPU s per 1,000 changes");
        System.out.println("BENCH sbs " + String.format(Locale.ROOT, "%6s | %-45s | %-45s | %s", "", "lbsync", "consul-template",
                "ratio lbsync/consul-template"));
        System.out.println("BENCH sbs " + String.format(Locale.ROOT, "%6s | %7s %7s %6s %9s %5s %6s | %7s %7s %6s %9s %5s %6s | %5s %5s %5s %5s %5s",
                "size", "sync", "1st-req", "req", "tcp", "rss", "cpu", "sync", "1st-req", "req", "tcp", "rss", "cpu",
                "sync", "req", "tcp", "rss", "cpu"));
        perSize.forEach(l -> System.out.println("BENCH sbs " + l));
        System.out.printf("BENCH sbs targets unmet: %d%s%n", unmet.size(), unmet.isEmpty() ? "" : " (" + String.join("; ", unmet) + ")");
        System.out.printf("BENCH sbs done in %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
        if (Boolean.getBoolean("bench.enforce-targets") && !unmet.isEmpty()) {
            fail("lbsync misses " + unmet.size() + " target(s): " + String.join("; ", unmet));
        }
    }

    // ---- one size ----

    private void runSize(LocalConsul cluster, Path consulTemplate, Path jar, int services, int changes, int perVariant) throws Exception {
        Path work = Files.createDirectories(dir.resolve("size-" + services));
        List<String> clients = cluster.agents().stream().filter(a -> !a.server()).map(LocalConsul.Agent::node).toList();
        URI agent = URI.create(cluster.localAgent().url());
        InetSocketAddress upstream = new InetSocketAddress(agent.getHost(), agent.getPort());
        // each tool reaches the agent from its own loopback addresses (see SOURCES)
        String prefix = agent.getHost().substring(0, agent.getHost().indexOf('.', agent.getHost().indexOf('.') + 1));
        Map<String, Instance> live = new ConcurrentHashMap<>();
        List<Tool> tools = new ArrayList<>();
        try {
            long r0 = System.nanoTime();
            List<Instance> base = new ArrayList<>();
            for (int s = 0; s < services; s++) {
                for (int i = 0; i < 2; i++) {
                    base.add(new Instance("svc" + s, "svc" + s + "-" + i, clients.get(i % clients.size()), "127.0.0.1",
                            10_000 + (s * 10 + i) % 50_000, List.of("base"), Map.of("rev", "0"), true));
                }
            }
            registerAll(cluster, base, live);
            awaitPassing(cluster, base.size());
            System.out.printf("BENCH sbs services=%d registered %d instances in %d ms%n", services, base.size(), ms(System.nanoTime() - r0));

            Tool ct = new Tool("consul-template", new CountingProxy("ct", upstream, sources(prefix + ".88.")),
                    work.resolve("ct-out/services.txt"));
            tools.add(ct);
            Tool lb = new Tool("lbsync", new CountingProxy("lbsync", upstream, sources(prefix + ".87.")),
                    work.resolve("lbsync-out/services.txt"));
            tools.add(0, lb);
            Set<String> expected = base.stream().map(Instance::line).collect(Collectors.toSet());

            // first full sync, one tool after the other (neither competes with the other's start for the CPU)
            startConsulTemplate(ct, consulTemplate, work);
            firstSync(ct, expected);
            startLbsync(lb, jar, work);
            firstSync(lb, expected);
            boolean identical = lb.file.lines().equals(ct.file.lines());
            System.out.printf("BENCH sbs services=%d first-sync lbsync=%s consul-template=%s files=%s%n", services, lb.firstSync(),
                    ct.firstSync(), identical ? "identical" : "DIFFERENT (" + difference(lb, ct) + ")");

            Thread.sleep(1_000); // both quiet before the first change
            warmUp(cluster, services, live, tools, Integer.getInteger("bench.warmup", 0));
            // the changes
            tools.forEach(Tool::beginChanges);
            try (Sampler sampler = new Sampler(tools)) {
                runChanges(cluster, services, changes, perVariant, clients, live, tools);
            }
            tools.forEach(Tool::endChanges);
            report(services, lb, ct);
        } finally {
            for (Tool t : tools) {
                t.close();
            }
            deregisterAll(cluster, live);
        }
    }

    private void runChanges(LocalConsul cluster, int services, int changes, int perVariant, List<String> clients,
                            Map<String, Instance> live, List<Tool> tools) {
        Changes c = new Changes(cluster, live, tools);
        // instance add (with a passing TTL check), check flips (fail/pass), instance remove
        List<Instance> added = new ArrayList<>();
        for (int k = 0; k < changes; k++) {
            int s = pick(k, services);
            Instance in = new Instance("svc" + s, "svc" + s + "-add" + k, clients.get(k % clients.size()), "127.0.0.1", 60_000 + k,
                    List.of("base"), Map.of("rev", "0"), true);
            added.add(in);
            c.register("add", null, in);
        }
        for (int k = 0; k < changes; k++) {
            int s = pick(k / 2, services);
            Instance in = live.get("svc" + s + "-" + (k / 2) % 2);
            c.flip(in, k % 2 == 0 ? "fail" : "pass");
        }
        for (Instance in : added) {
            c.deregister("remove", in);
        }
        // correctness: address, port, meta and tag changes of instances with and without a check of their own
        for (boolean check : new boolean[] {true, false}) {
            String suffix = check ? "" : "-nocheck";
            for (int k = 0; k < perVariant; k++) {
                int s = pick(1_000 + k, services);
                Instance in = new Instance("svc" + s, "svc" + s + (check ? "-chk" : "-nochk") + k, clients.get(k % clients.size()),
                        "127.0.0.1", 61_000 + k, List.of("base"), Map.of("rev", "0"), check);
                c.register("add" + suffix, null, in);
                Instance moved = in.withAddress("127.0.1." + (k + 1));
                c.register("address" + suffix, in, moved);
                Instance ported = moved.withPort(moved.port() + 500);
                c.register("port" + suffix, moved, ported);
                Instance meta = ported.withMeta(Map.of("rev", "1", "zone", "z" + k));
                c.register("meta" + suffix, ported, meta);
                Instance tagged = meta.withTags(List.of("base", "t" + k));
                c.register("tags" + suffix, meta, tagged);
                c.deregister("remove" + suffix, tagged);
            }
        }
    }

    /**
     * Check flips that are not timed or counted (-Dbench.warmup=N pairs): a long-running lbsync has compiled what a
     * young one still interprets (docs/benchmarks.md, "Warm-up"); consul-template gets the same flips.
     */
    private void warmUp(LocalConsul cluster, int services, Map<String, Instance> live, List<Tool> tools, int pairs) {
        if (pairs <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        for (int k = 0; k < pairs; k++) {
            Instance in = live.get("svc" + pick(k, services) + "-1");
            for (String verb : List.of("fail", "pass")) {
                boolean pass = verb.equals("pass");
                put(cluster.agentUrl(in.node()) + "/v1/agent/check/" + verb + "/" + in.checkId(), "");
                long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
                while (System.nanoTime() < deadline && !tools.stream().allMatch(t -> t.file.lines().contains(in.line()) == pass)) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
        System.out.printf("BENCH sbs services=%d warm-up: %d check flips in %d s, not timed%n", services, 2 * pairs,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    /** A permutation of the services (7919 is prime to 1, 200 and 2,000), so changes spread over them. */
    private static int pick(int k, int services) {
        return (int) ((k * 7919L) % services);
    }

    /** Runs changes one at a time and times them for every tool. */
    private final class Changes {
        private final LocalConsul cluster;
        private final Map<String, Instance> live;
        private final List<Tool> tools;

        Changes(LocalConsul cluster, Map<String, Instance> live, List<Tool> tools) {
            this.cluster = cluster;
            this.live = live;
            this.tools = tools;
        }

        void register(String kind, Instance before, Instance after) {
            Predicate<Set<String>> shows = before == null || before.line().equals(after.line())
                    ? l -> l.contains(after.line())
                    : l -> l.contains(after.line()) && !l.contains(before.line());
            timed(kind, after.id(), () -> {
                put(cluster.agentUrl(after.node()) + "/v1/agent/service/register", after.json());
                live.put(after.id(), after);
            }, shows);
        }

        void deregister(String kind, Instance in) {
            timed(kind, in.id(), () -> {
                put(cluster.agentUrl(in.node()) + "/v1/agent/service/deregister/" + in.id(), "");
                live.remove(in.id());
            }, l -> !l.contains(in.line()));
        }

        void flip(Instance in, String verb) {
            boolean pass = verb.equals("pass");
            timed("flip", in.id(), () -> put(cluster.agentUrl(in.node()) + "/v1/agent/check/" + verb + "/" + in.checkId(), ""),
                    l -> l.contains(in.line()) == pass);
        }

        private void timed(String kind, String what, Runnable call, Predicate<Set<String>> shows) {
            long[] req0 = new long[tools.size()];
            long[] seen = new long[tools.size()];
            for (int k = 0; k < tools.size(); k++) {
                req0[k] = tools.get(k).proxy.requests();
            }
            long t0 = System.nanoTime();
            call.run();
            long deadline = t0 + CHANGE_TIMEOUT.toNanos();
            while (true) {
                boolean all = true;
                for (int k = 0; k < tools.size(); k++) {
                    Tool t = tools.get(k);
                    if (seen[k] == 0 && !t.gaveUp) {
                        if (shows.test(t.file.lines())) {
                            seen[k] = System.nanoTime();
                        } else {
                            all = false;
                        }
                    }
                }
                if (all || System.nanoTime() > deadline) {
                    break;
                }
                LockSupport.parkNanos(1_000_000);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SETTLE_MS));
            for (int k = 0; k < tools.size(); k++) {
                tools.get(k).record(kind, what, seen[k] == 0 ? -1 : seen[k] - t0, tools.get(k).proxy.requests() - req0[k]);
            }
        }
    }

    // ---- the tools ----

    /** One tool under test: its proxy, process, output file, and what was measured. */
    private static final class Tool implements AutoCloseable {
        final String name;
        final CountingProxy proxy;
        final WatchedFile file;
        Process process;
        Path log;
        long started;
        long firstSyncNanos = -1;
        long firstSyncRequests;
        long firstSyncFromFirstRequest = -1;
        int firstSyncPeakTcp;
        long changesStartNanos;
        long changesRequests;
        double changesMinutes;
        double cpuBefore;
        double cpuChanges;
        long rssKb;
        long hwmKb;
        boolean gaveUp;
        int consecutiveMisses;
        final Map<String, List<Long>> latencies = new LinkedHashMap<>();
        final Map<String, List<Long>> requests = new LinkedHashMap<>();
        final Map<String, List<String>> missed = new LinkedHashMap<>();
        final List<Integer> tcpSamples = new ArrayList<>();
        int peakTcp;

        Tool(String name, CountingProxy proxy, Path output) throws IOException {
            this.name = name;
            this.proxy = proxy;
            Files.createDirectories(output.getParent());
            this.file = new WatchedFile(output);
        }

        void started(Process p, Path logFile) {
            process = p;
            log = logFile;
            LIVE.add(p);
            started = System.nanoTime();
        }

        String firstSync() {
            if (firstSyncNanos < 0) {
                return "TIMEOUT(" + firstSyncRequests + " requests)";
            }
            return String.format(Locale.ROOT, "%d ms (%d ms after its first request) %d requests peak_tcp=%d", ms(firstSyncNanos),
                    ms(firstSyncFromFirstRequest), firstSyncRequests, firstSyncPeakTcp);
        }

        void beginChanges() {
            proxy.resetPeak();
            changesStartNanos = System.nanoTime();
            changesRequests = proxy.requests();
            cpuBefore = ProcStats.cpuSeconds(process.pid());
        }

        void endChanges() {
            changesMinutes = (System.nanoTime() - changesStartNanos) / 60e9;
            changesRequests = proxy.requests() - changesRequests;
            cpuChanges = ProcStats.cpuSeconds(process.pid()) - cpuBefore;
            peakTcp = proxy.peakConnections();
            rssKb = ProcStats.statusKb(process.pid(), "VmRSS");
            hwmKb = ProcStats.statusKb(process.pid(), "VmHWM");
        }

        void record(String kind, String what, long latencyNanos, long requestCount) {
            requests.computeIfAbsent(kind, k -> new ArrayList<>()).add(requestCount);
            latencies.computeIfAbsent(kind, k -> new ArrayList<>());
            missed.computeIfAbsent(kind, k -> new ArrayList<>());
            if (latencyNanos < 0) {
                missed.get(kind).add(what);
                if (++consecutiveMisses >= 3 && !gaveUp) {
                    gaveUp = true;
                    System.out.printf("BENCH sbs %s missed 3 changes in a row: not waited for any more (the rest count as misses)%n",
                            name);
                }
            } else {
                consecutiveMisses = 0;
                latencies.get(kind).add(latencyNanos);
            }
        }

        int changes() {
            return requests.values().stream().mapToInt(List::size).sum();
        }

        @Override
        public void close() {
            if (process != null) {
                process.destroy();
                try {
                    if (!process.waitFor(30, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                LIVE.remove(process);
            }
            proxy.close();
        }
    }

    private void startConsulTemplate(Tool t, Path binary, Path work) throws IOException {
        Path template = work.resolve("services.ctmpl");
        Files.writeString(template, CONSUL_TEMPLATE);
        Path config = work.resolve("consul-template.hcl");
        Files.writeString(config, "log_level = \"warn\"\nwait {\n  min = \"0s\"\n  max = \"0s\"\n}\ntemplate {\n  source = \"" + template
                + "\"\n  destination = \"" + t.file.path() + "\"\n}\n");
        Path log = work.resolve("consul-template.log");
        Process p = new ProcessBuilder(binary.toString(), "-consul-addr=" + t.proxy.address(), "-config=" + config)
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        t.started(p, log);
    }

    private void startLbsync(Tool t, Path jar, Path work) throws IOException {
        Path template = work.resolve("services.ftl");
        Files.writeString(template, LBSYNC_TEMPLATE);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lbsync.consul.url", "http://" + t.proxy.address());
        p.put("lbsync.routes", Path.of("routes").toAbsolutePath().toString());
        p.put("lbsync.wait.min", "0s");
        p.put("lbsync.wait.max", "0s");
        p.put("lbsync.kv.enabled", "false");
        p.put("lbsync.cleanup.enabled", "false");
        p.put("lbsync.targets", "sd");
        p.put("lbsync.sd.kind", "file");
        p.put("lbsync.sd.template", template.toString());
        p.put("lbsync.sd.output", t.file.path().toString());
        p.put("lbsync.sd.validate-command", "");
        p.put("lbsync.sd.reload-command", "");
        p.put("lbsync.sd.allow-raw-values", "true");
        p.put("lbsync.http.port", Integer.toString(Ports.free()));
        Path config = work.resolve("lbsync.properties");
        Files.writeString(config, p.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue()).collect(Collectors.joining("\n")) + "\n");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(LBSYNC_JVM_OPTIONS);
        command.addAll(List.of("-jar", jar.toString(), "--config=" + config));
        Path log = work.resolve("lbsync.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("LBSYNC_"));
        pb.environment().putAll(LBSYNC_ENVIRONMENT);
        t.started(pb.start(), log);
    }

    /** Waits until the tool's file shows every instance; records time, requests and connections of that first sync. */
    private static void firstSync(Tool t, Set<String> expected) throws IOException {
        long deadline = t.started + FIRST_SYNC_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (t.file.lines().containsAll(expected)) {
                long now = System.nanoTime();
                t.firstSyncNanos = now - t.started;
                t.firstSyncRequests = t.proxy.requests();
                t.firstSyncFromFirstRequest = t.proxy.firstRequestNanos() == 0 ? -1 : now - t.proxy.firstRequestNanos();
                t.firstSyncPeakTcp = t.proxy.peakConnections();
                return;
            }
            if (!t.process.isAlive()) {
                break;
            }
            LockSupport.parkNanos(1_000_000);
        }
        t.firstSyncRequests = t.proxy.requests();
        System.out.printf("BENCH sbs %s: first sync not complete (%s); last lines of %s:%n%s%n", t.name,
                t.process.isAlive() ? "timeout " + FIRST_SYNC_TIMEOUT.toSeconds() + " s" : "process exited " + t.process.exitValue(),
                t.log, tail(t.log, 30));
        t.gaveUp = true;
    }

    /** Samples each tool's open TCP connections every 10 ms (for the median; the proxy keeps the exact peak). */
    private static final class Sampler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;

        Sampler(List<Tool> tools) {
            thread = new Thread(() -> {
                while (running) {
                    for (Tool t : tools) {
                        synchronized (t.tcpSamples) {
                            t.tcpSamples.add(t.proxy.openConnections());
                        }
                    }
                    LockSupport.parkNanos(10_000_000);
                }
            }, "tcp-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(1_000);
        }
    }

    // ---- report ----

    private void report(int services, Tool lb, Tool ct) {
        String s = "services=" + services;
        for (String kind : KINDS) {
            if (!lb.requests.containsKey(kind)) {
                continue;
            }
            String line = String.format(Locale.ROOT, "kind=%-15s n=%-3d %s | %s | ratio p50=%s p95=%s req=%s", kind,
                    lb.requests.get(kind).size(), kindStats(lb, kind), kindStats(ct, kind),
                    ratio(pct(lb, kind, 50), pct(ct, kind, 50)), ratio(pct(lb, kind, 95), pct(ct, kind, 95)),
                    ratio(avg(lb.requests.get(kind)), avg(ct.requests.get(kind))));
            System.out.println("BENCH sbs " + s + " " + line);
            summary.add(String.format(Locale.ROOT, "%6d %-15s %3d | %5s %5s %5s %7.1f %4d | %5s %5s %5s %7.1f %4d | %5s %5s %7s",
                    services, kind, lb.requests.get(kind).size(), msOrDash(pct(lb, kind, 50)), msOrDash(pct(lb, kind, 95)),
                    msOrDash(pct(lb, kind, 100)), avg(lb.requests.get(kind)), lb.missed.get(kind).size(), msOrDash(pct(ct, kind, 50)),
                    msOrDash(pct(ct, kind, 95)), msOrDash(pct(ct, kind, 100)), avg(ct.requests.get(kind)), ct.missed.get(kind).size(),
                    ratio(pct(lb, kind, 50), pct(ct, kind, 50)), ratio(pct(lb, kind, 95), pct(ct, kind, 95)),
                    ratio(avg(lb.requests.get(kind)), avg(ct.requests.get(kind)))));
            for (Tool t : List.of(lb, ct)) {
                if (!t.missed.get(kind).isEmpty()) {
                    System.out.printf("BENCH sbs %s %s missed kind=%s: %s%n", s, t.name, kind,
                            t.missed.get(kind).stream().limit(10).collect(Collectors.joining(",")));
                }
            }
        }
        String tcp = String.format(Locale.ROOT, "tcp (during the changes)  lbsync max=%d median=%d | consul-template max=%d median=%d | "
                + "ratio max=%s", lb.peakTcp, median(lb.tcpSamples), ct.peakTcp, median(ct.tcpSamples), ratio(lb.peakTcp, ct.peakTcp));
        String first = String.format(Locale.ROOT, "first-sync lbsync %s | consul-template %s | ratio time=%s req=%s", lb.firstSync(),
                ct.firstSync(), ratio(lb.firstSyncNanos, ct.firstSyncNanos), ratio(lb.firstSyncRequests, ct.firstSyncRequests));
        String idle = String.format(Locale.ROOT, "requests/min during the changes (%.1f min) lbsync=%.0f consul-template=%.0f; blocking "
                + "query wait lbsync=%s consul-template=%s", lb.changesMinutes, lb.changesRequests / lb.changesMinutes,
                ct.changesRequests / ct.changesMinutes, lb.proxy.waits(), ct.proxy.waits());
        String proc = String.format(Locale.ROOT, "process lbsync rss=%d MiB hwm=%d MiB cpu=%.2f s/1000 changes | consul-template rss=%d MiB "
                        + "hwm=%d MiB cpu=%.2f s/1000 changes | ratio rss=%s cpu=%s (%d changes)", lb.rssKb >> 10, lb.hwmKb >> 10,
                perThousand(lb), ct.rssKb >> 10, ct.hwmKb >> 10, perThousand(ct), ratio(lb.rssKb, ct.rssKb),
                ratio(perThousand(lb), perThousand(ct)), lb.changes());
        String misses = String.format(Locale.ROOT, "misses lbsync=%d consul-template=%d of %d changes", totalMisses(lb), totalMisses(ct),
                lb.changes());
        for (String line : List.of(first, tcp, idle, proc, misses)) {
            System.out.println("BENCH sbs " + s + " " + line);
        }
        perSize.add(String.format(Locale.ROOT, "%6d | %7s %7s %6d %4d/%-4d %5d %6.1f | %7s %7s %6d %4d/%-4d %5d %6.1f | %5s %5s %5s %5s %5s",
                services, msOrDash(lb.firstSyncNanos), msOrDash(lb.firstSyncFromFirstRequest), lb.firstSyncRequests, lb.peakTcp,
                median(lb.tcpSamples), lb.rssKb >> 10, perThousand(lb), msOrDash(ct.firstSyncNanos),
                msOrDash(ct.firstSyncFromFirstRequest), ct.firstSyncRequests, ct.peakTcp, median(ct.tcpSamples), ct.rssKb >> 10,
                perThousand(ct), ratio(lb.firstSyncNanos, ct.firstSyncNanos), ratio(lb.firstSyncRequests, ct.firstSyncRequests),
                ratio(lb.peakTcp, ct.peakTcp), ratio(lb.rssKb, ct.rssKb), ratio(perThousand(lb), perThousand(ct))));
        targets(services, lb, ct);
        for (Tool t : List.of(lb, ct)) {
            System.out.printf("BENCH sbs %s %s requests by endpoint (whole run): %s; connections accepted=%d%s%n", s, t.name,
                    t.proxy.byEndpoint().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")),
                    t.proxy.acceptedConnections(), t.proxy.upstreamFailures() > 0 ? " upstream_failures=" + t.proxy.upstreamFailures() : "");
        }
    }

    /**
     * The targets of issue 15 that apply at this size, each PASS or FAIL on one line: lbsync's p50 at most
     * consul-template's for add, remove and flip; at 200 and 2,000 services at most 5 requests per add/remove and 3 per
     * flip; at 2,000 at most 8 TCP connections and 128 MB RSS; no change missed.
     */
    private void targets(int services, Tool lb, Tool ct) {
        Map<String, Boolean> t = new LinkedHashMap<>();
        for (String kind : List.of("add", "remove", "flip")) {
            long a = pct(lb, kind, 50);
            long b = pct(ct, kind, 50);
            t.put("p50(" + kind + ")<=consul-template", a >= 0 && (b < 0 || a <= b));
        }
        if (services >= 200) {
            t.put("req/chg(add)<=5", avg(lb.requests.get("add")) <= 5);
            t.put("req/chg(remove)<=5", avg(lb.requests.get("remove")) <= 5);
            t.put("req/chg(flip)<=3", avg(lb.requests.get("flip")) <= 3);
        }
        if (services >= 2_000) {
            t.put("tcp<=8", lb.peakTcp <= 8);
            t.put("rss<=128MB", lb.rssKb >= 0 && lb.rssKb * 1024 <= 128L * 1024 * 1024);
        }
        t.put("misses=0", totalMisses(lb) == 0 && lb.firstSyncNanos >= 0);
        t.forEach((k, ok) -> {
            if (!ok) {
                unmet.add("services=" + services + " " + k);
            }
        });
        System.out.println("BENCH sbs services=" + services + " targets " + t.entrySet().stream()
                .map(e -> e.getKey() + ":" + (e.getValue() ? "PASS" : "FAIL")).collect(Collectors.joining(" ")));
    }

    private static String msOrDash(long nanos) {
        return nanos < 0 ? "-" : Long.toString(ms(nanos));
    }

    private static String kindStats(Tool t, String kind) {
        List<Long> l = t.latencies.get(kind);
        String lat = l.isEmpty() ? "p50=- p95=- max=-" : String.format(Locale.ROOT, "p50=%4d p95=%4d max=%4d ms", ms(pct(t, kind, 50)),
                ms(pct(t, kind, 95)), ms(pct(t, kind, 100)));
        return String.format(Locale.ROOT, "%s %s req/chg=%5.1f miss=%d", t.name.equals("lbsync") ? "lbsync" : "consul-template", lat,
                avg(t.requests.get(kind)), t.missed.get(kind).size());
    }

    private static long pct(Tool t, String kind, int p) {
        List<Long> l = t.latencies.get(kind);
        if (l == null || l.isEmpty()) {
            return -1;
        }
        List<Long> sorted = l.stream().sorted().toList();
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static double avg(List<Long> l) {
        return l == null || l.isEmpty() ? 0 : l.stream().mapToLong(Long::longValue).average().orElse(0);
    }

    private static int median(List<Integer> samples) {
        synchronized (samples) {
            if (samples.isEmpty()) {
                return 0;
            }
            return samples.stream().sorted().toList().get(samples.size() / 2);
        }
    }

    private static double perThousand(Tool t) {
        return t.changes() == 0 ? 0 : t.cpuChanges * 1000 / t.changes();
    }

    private static int totalMisses(Tool t) {
        return t.missed.values().stream().mapToInt(List::size).sum();
    }

    private static String ratio(double a, double b) {
        if (a < 0 || b <= 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static String difference(Tool a, Tool b) {
        Set<String> onlyA = new java.util.TreeSet<>(a.file.lines());
        onlyA.removeAll(b.file.lines());
        Set<String> onlyB = new java.util.TreeSet<>(b.file.lines());
        onlyB.removeAll(a.file.lines());
        return "only " + a.name + ": " + onlyA.stream().limit(3).toList() + ", only " + b.name + ": " + onlyB.stream().limit(3).toList();
    }

    // ---- Consul ----

    private void put(String url, String body) {
        ConsulHttp.Response r = http.send("PUT", url, body, Duration.ofSeconds(30));
        if (r.status() != 200) {
            throw new IllegalStateException("PUT " + url + " → " + r.status() + " " + r.body());
        }
    }

    private void registerAll(LocalConsul cluster, List<Instance> instances, Map<String, Instance> live) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Instance in : instances) {
                done.add(pool.submit(() -> {
                    put(cluster.agentUrl(in.node()) + "/v1/agent/service/register", in.json());
                    live.put(in.id(), in);
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private void deregisterAll(LocalConsul cluster, Map<String, Instance> live) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Instance in : List.copyOf(live.values())) {
                done.add(pool.submit(() -> {
                    put(cluster.agentUrl(in.node()) + "/v1/agent/service/deregister/" + in.id(), "");
                    live.remove(in.id());
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (http.send("GET", cluster.localAgent().url() + "/v1/catalog/services", null, Duration.ofSeconds(30)).json().size() <= 1) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the catalog still lists services after deregistering them all");
    }

    /** Until the catalog has {@code instances} passing service checks (plus the agents' serfHealth). */
    private void awaitPassing(LocalConsul cluster, int instances) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = 0;
            for (var check : http.send("GET", cluster.localAgent().url() + "/v1/health/state/passing", null, Duration.ofSeconds(30)).json()) {
                seen += check.path("ServiceID").asText().isEmpty() ? 0 : 1;
            }
            if (seen >= instances) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("only " + seen + " of " + instances + " instances passing in the catalog after 120 s");
    }

    // ---- helpers ----

    private static List<InetAddress> sources(String prefix) throws IOException {
        List<InetAddress> l = new ArrayList<>();
        for (int i = 1; i <= SOURCES; i++) {
            l.add(InetAddress.getByName(prefix + i));
        }
        return l;
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst();
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
