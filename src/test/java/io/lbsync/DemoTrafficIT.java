package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.config.Executables;
import io.lbsync.testsupport.Ports;
import io.lbsync.testsupport.ProcessChecks;
import io.lbsync.testsupport.RawHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar lbsync.jar --demo} as a newcomer runs it, in its own working directory: it prints curl commands,
 * requests sent through them during the scenario's changes never fail and land on changing instances, and SIGTERM
 * stops lbsync with every HAProxy and nginx process it started, without a WARN or ERROR line.
 */
class DemoTrafficIT {
    private static final Path JAR = Path.of("target/lbsync.jar").toAbsolutePath();
    private static final Path ROUTES = Path.of("routes").toAbsolutePath();
    private static final Pattern HAPROXY_CURL = Pattern.compile("curl -H 'Host: web\\.demo\\.local' http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern NGINX_CURL = Pattern.compile("curl http://127\\.0\\.0\\.1:(\\d+)/ ");
    /** How long requests are sent: the scenario changes every 3 s, so this spans about eight changes. */
    private static final Duration TRAFFIC = Duration.ofSeconds(25);

    /** One request's outcome: when (ms since traffic started), through which URL, the instance name or the failure. */
    private record Sample(long atMillis, String stream, boolean ok, String answer) {
    }

    @Test
    void theDemoServesTrafficThatMovesBetweenInstancesWithoutAFailedRequest(@TempDir Path cwd) throws Exception {
        assertThat(Executables.find("haproxy")).as("haproxy must be installed for this test (.ci/run installs it)").isPresent();
        boolean withNginx = Executables.find("nginx").isPresent();
        Path log = cwd.resolve("lbsync.log");
        Process lbsync = start(cwd, log, Map.of());
        Set<ProcessHandle> proxies = new LinkedHashSet<>();
        try {
            String printed = awaitOutput(lbsync, log, "Ctrl-C stops", Duration.ofSeconds(120));
            assertThat(printed).contains("curl -H 'Host: api.demo.local' http://127.0.0.1:", "/status",
                    withNginx ? "Ctrl-C stops lbsync, HAProxy and nginx." : "Ctrl-C stops lbsync and HAProxy.");
            int haproxyPort = port(HAPROXY_CURL, printed);
            int nginxPort = withNginx ? port(NGINX_CURL, printed) : 0;
            proxies.addAll(started(cwd.resolve("out/haproxy.pid")));
            if (withNginx) {
                proxies.addAll(started(cwd.resolve("out/nginx.pid")));
            }

            Map<String, RequestTo> streams = new LinkedHashMap<>();
            streams.put("haproxy web", new RequestTo(haproxyPort, "web.demo.local", "/"));
            streams.put("haproxy api", new RequestTo(haproxyPort, "api.demo.local", "/"));
            if (withNginx) {
                streams.put("nginx /", new RequestTo(nginxPort, "demo.local", "/"));
                streams.put("nginx /api/", new RequestTo(nginxPort, "demo.local", "/api/"));
            }
            List<Sample> samples = sendTraffic(streams);

            List<Sample> failed = samples.stream().filter(s -> !s.ok()).toList();
            assertThat(failed).as("failed requests of %d:\n%s", samples.size(), tail(log)).isEmpty();
            for (String stream : streams.keySet()) {
                List<Set<String>> sets = answerSetsPerSecond(samples, stream);
                assertThat(new LinkedHashSet<>(sets)).as("%s: instances answering, per second: %s", stream, sets).hasSizeGreaterThan(1);
            }
            Set<String> web = answerSetsPerSecond(samples, "haproxy web").stream().flatMap(Set::stream)
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            assertThat(web).containsExactly("web-1", "web-2", "web-3");
            assertThat(answerSetsPerSecond(samples, "haproxy web")).as("web-2 leaves while its check is critical")
                    .contains(Set.of("web-1", "web-3"));
            assertThat(answerSetsPerSecond(samples, "haproxy api")).as("api-3 comes and goes")
                    .contains(Set.of("api-1", "api-2"), Set.of("api-1", "api-2", "api-3"));
            System.out.printf("DemoTrafficIT: %d requests, 0 failed; per stream %s%n", samples.size(),
                    streams.keySet().stream().map(s -> s + "=" + samples.stream().filter(x -> x.stream().equals(s)).count()).toList());

            // a newly started worker (nginx reloads) is ours too
            for (ProcessHandle p : List.copyOf(proxies)) {
                p.descendants().forEach(proxies::add);
            }
        } finally {
            stop(lbsync, log);
        }
        String text = Files.readString(log);
        assertThat(ProcessChecks.awaitReaped(proxies.stream().map(ProcessHandle::pid).toList(), Duration.ofSeconds(10)))
                .as("every haproxy/nginx process the demo started is gone after SIGTERM: %s", proxies).isTrue();
        assertThat(processesMentioning(cwd)).as("processes still running with %s on their command line", cwd).isEmpty();
        assertThat(text).contains("runtime_api=applied", "event=demo-process-stopped process=haproxy");
        if (withNginx) {
            assertThat(text).contains("event=demo-process-stopped process=nginx");
        }
        assertThat(quietViolations(text)).as("WARN/ERROR lines of a healthy demo").isEmpty();
    }

    @Test
    void withoutHaproxyAndNginxTheDemoSaysWhatItSkippedAndStillRuns(@TempDir Path cwd) throws Exception {
        Path log = cwd.resolve("lbsync.log");
        Process lbsync = start(cwd, log, Map.of("PATH", cwd.toString()));
        try {
            String printed = awaitOutput(lbsync, log, "Ctrl-C stops", Duration.ofSeconds(120));
            assertThat(printed).contains("event=demo-skipped proxy=haproxy", "event=demo-skipped proxy=nginx",
                    "HAProxy: skipped, haproxy is not installed", "Ctrl-C stops lbsync.")
                    .doesNotContain("curl -H");
            assertThat(cwd.resolve("out/haproxy.pid")).doesNotExist();
        } finally {
            stop(lbsync, log);
        }
        assertThat(quietViolations(Files.readString(log))).as("WARN/ERROR lines of a demo without proxies").isEmpty();
    }

    // ---- helpers ----

    private record RequestTo(int port, String host, String path) {
    }

    private static Process start(Path cwd, Path log, Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", JAR.toString(), "--demo").directory(cwd.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LBSYNC_ROUTES", ROUTES.toString());
        pb.environment().put("LBSYNC_HTTP_PORT", Integer.toString(Ports.free()));
        pb.environment().put("LBSYNC_DEMO_INTERVAL", "3s");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** The output once it contains {@code marker}. */
    private static String awaitOutput(Process p, Path log, String marker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(marker)) {
                return text;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no '" + marker + "' in the demo's output (alive: " + p.isAlive() + "):\n" + text);
            }
            Thread.sleep(100);
        }
    }

    private static int port(Pattern curl, String printed) {
        Matcher m = curl.matcher(printed);
        assertThat(m.find()).as("%s in:\n%s", curl, printed).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The process in a pid file the demo wrote, and its children. */
    private static List<ProcessHandle> started(Path pidFile) {
        List<ProcessHandle> out = new ArrayList<>();
        for (long pid : ProcessChecks.pids(pidFile)) {
            ProcessHandle.of(pid).ifPresent(h -> {
                out.add(h);
                h.descendants().forEach(out::add);
            });
        }
        assertThat(out).as("a running process in %s", pidFile).isNotEmpty();
        return out;
    }

    /** One round of requests (one per stream, each on a new connection, like curl) every 20 ms for {@link #TRAFFIC}. */
    private static List<Sample> sendTraffic(Map<String, RequestTo> streams) throws InterruptedException {
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TRAFFIC.toNanos();
        while (System.nanoTime() < end) {
            long round = System.nanoTime();
            for (var stream : streams.entrySet()) {
                long at = (System.nanoTime() - start) / 1_000_000;
                RequestTo to = stream.getValue();
                try {
                    RawHttp.Reply reply = RawHttp.request(to.port(), to.host(), to.path());
                    samples.add(new Sample(at, stream.getKey(), reply.status() == 200, reply.label().strip()));
                } catch (IOException e) {
                    samples.add(new Sample(at, stream.getKey(), false, e.toString()));
                }
            }
            long left = 20 - (System.nanoTime() - round) / 1_000_000;
            if (left > 0) {
                Thread.sleep(left);
            }
        }
        return samples;
    }

    /** The instance names that answered a stream in each whole second of the traffic. */
    private static List<Set<String>> answerSetsPerSecond(List<Sample> samples, String stream) {
        Map<Long, Set<String>> perSecond = new TreeMap<>();
        samples.stream().filter(s -> s.stream().equals(stream) && s.ok())
                .forEach(s -> perSecond.computeIfAbsent(s.atMillis() / 1000, k -> new TreeSet<>()).add(s.answer()));
        return new ArrayList<>(perSecond.values());
    }

    /** SIGTERM, as Ctrl-C or systemd stops it; waits for the JVM to exit. */
    private static void stop(Process lbsync, Path log) throws Exception {
        lbsync.destroy();
        if (!lbsync.waitFor(60, TimeUnit.SECONDS)) {
            lbsync.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("lbsync --demo did not stop within 60 s of SIGTERM:\n" + tail(log));
        }
    }

    private static List<String> processesMentioning(Path dir) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> left = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
    }

    private static List<String> quietViolations(String text) {
        return text.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")).toList();
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
        } catch (IOException e) {
            return e.toString();
        }
    }
}
