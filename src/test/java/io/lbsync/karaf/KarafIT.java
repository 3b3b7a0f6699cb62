package io.lbsync.karaf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.Ports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Karaf deliverable in a real Apache Karaf 4.4 (unpacked by maven-dependency-plugin, started as its own process
 * on free loopback ports): the lbsync feature installs, reads etc/lbsync.cfg, renders from the test run's Consul
 * ({@link ConsulTestCluster}: real agents in the integration run); stopping the bundle stops the routes and leaves no lbsync thread; starting and updating it runs them again.
 */
class KarafIT {
    private static final Path DIST = Path.of(System.getProperty("lbsync.test.karaf-dist", "target/karaf-dist/apache-karaf-4.4.6"));
    private static final Path FEATURES = Path.of("target/karaf/features.xml").toAbsolutePath();
    private static final Path BUNDLE = Path.of("target/lbsync-karaf.jar").toAbsolutePath();
    private static final Path ROUTES = Path.of("routes").toAbsolutePath();
    /** Thread names that belong to a running lbsync: its main thread, Camel's pools, Vert.x (HTTP server), the leader loop. */
    private static final Pattern LBSYNC_THREAD = Pattern.compile("lbsync-karaf-main|Camel \\(lbsync\\)|vert\\.x-|lbsync-leader|consul-watch");

    @TempDir
    Path dir;
    private Path karaf;
    private Path output;
    private ConsulTestCluster cluster;
    private Process process;
    private final String service = ConsulTestCluster.unique("web");

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.start("node-1");
        karaf = dir.resolve("karaf");
        copyTree(DIST, karaf); // a fresh instance per run: nothing left in data/ from an earlier one
        output = Files.createDirectories(dir.resolve("out")).resolve("haproxy.cfg");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            stopKaraf();
        } finally {
            cluster.close();
            keepLogs();
        }
    }

    @Test
    void theFeatureRunsTheRoutesAndStoppingTheBundleStopsThem() throws Exception {
        configureKaraf(Ports.free(), Ports.free(), Ports.free());
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("lbsync.consul.url", cluster.url());
        cfg.put("lbsync.consul.wait", "10s");
        cfg.put("lbsync.wait.min", "50ms");
        cfg.put("lbsync.wait.max", "500ms");
        cfg.put("lbsync.guard.confirm-after", "0s");
        cfg.put("lbsync.routes", ROUTES.toString());
        cfg.put("lbsync.haproxy.output", output.toString());
        cfg.put("lbsync.haproxy.validate-command", "");
        cfg.put("lbsync.http.port", String.valueOf(Ports.free()));
        StringBuilder text = new StringBuilder("# written by KarafIT\n");
        cfg.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(karaf.resolve("etc/lbsync.cfg"), text);
        Path installed = installBundleIntoSystemRepository();
        // the Consul simulator is a test and demo tool: neither it nor the demo is in the bundle (docs/consul-simulator.md)
        assertThat(entries(installed)).as("classes of " + installed).isNotEmpty()
                .noneMatch(e -> e.startsWith("io/lbsync/consulsim/") || e.startsWith("io/lbsync/demo/"));

        startKaraf();
        register("i-1", 9101);
        client("feature:repo-add " + FEATURES.toUri());
        client("feature:install lbsync");
        await().atMost(Duration.ofSeconds(60)).until(() -> live().contains(" 127.0.0.1:9101"));
        assertThat(live()).contains("backend " + service);
        // and the running Karaf finds no simulator class in any bundle, while it does find lbsync's own
        assertThat(client("bundle:find-class LbsyncActivator")).contains("io/lbsync/karaf/LbsyncActivator");
        assertThat(client("bundle:find-class ConsulSimulator")).doesNotContain("consulsim");
        assertThat(karafLog()).contains("event=route id=").contains("(lbsync) started");
        assertThat(lbsyncThreads()).isNotEmpty();

        register("i-2", 9102);
        await().atMost(Duration.ofSeconds(20)).until(() -> live().contains(" 127.0.0.1:9102"));

        client("bundle:stop io.lbsync");
        await().atMost(Duration.ofSeconds(60)).until(() -> karafLog().contains("event=karaf-stopped"));
        assertThat(karafLog()).contains("(lbsync) shutdown");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lbsyncThreads()).isEmpty());
        String stopped = live();
        register("i-3", 9103);
        Thread.sleep(3000); // quiescence max is 500 ms: a running lbsync would have rendered by now
        assertThat(live()).isEqualTo(stopped).doesNotContain(":9103");

        client("bundle:start io.lbsync");
        await().atMost(Duration.ofSeconds(60)).until(() -> live().contains(" 127.0.0.1:9103"));

        // an update stops the old bundle's routes and starts the new ones (fresh class loader)
        int startsBefore = count(karafLog(), "event=karaf-starting");
        client("bundle:update io.lbsync");
        await().atMost(Duration.ofSeconds(60)).until(() -> count(karafLog(), "event=karaf-starting") > startsBefore);
        register("i-4", 9104);
        await().atMost(Duration.ofSeconds(60)).until(() -> live().contains(" 127.0.0.1:9104"));
        assertThat(karafLog()).doesNotContain("event=karaf-run-failed", "event=karaf-stop-timeout");

        client("feature:uninstall lbsync");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(lbsyncThreads()).isEmpty());
    }

    /** Karaf's log and console outlive the temporary instance: target/karaf-it/, for a failure's post-mortem. */
    private void keepLogs() throws IOException {
        Path keep = Files.createDirectories(Path.of("target/karaf-it"));
        for (Path log : List.of(karaf.resolve("data/log/karaf.log"), dir.resolve("karaf-console.log"))) {
            if (Files.isRegularFile(log)) {
                Files.copy(log, keep.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void register(String id, int port) {
        cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"" + service + "-" + id + "\",\"Name\":\"" + service
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + service + ".test\"],"
                + "\"Check\":{\"CheckID\":\"check-" + id + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}").requireOk();
    }

    private String live() throws IOException {
        return Files.isRegularFile(output) ? Files.readString(output) : "";
    }

    private String karafLog() throws IOException {
        Path log = karaf.resolve("data/log/karaf.log");
        return Files.isRegularFile(log) ? Files.readString(log) : "";
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }

    /** Names of the lbsync threads in the Karaf JVM, read with Karaf's shell:threads command. */
    private List<String> lbsyncThreads() throws Exception {
        List<String> found = new ArrayList<>();
        for (String line : client("shell:threads").split("\n")) {
            if (LBSYNC_THREAD.matcher(line).find()) {
                found.add(line.trim());
            }
        }
        return found;
    }

    /** ssh, RMI registry and RMI server on free loopback ports; the karaf user enabled for bin/client. */
    private void configureKaraf(int ssh, int rmiRegistry, int rmiServer) throws IOException {
        replace("etc/org.apache.karaf.shell.cfg", "(?m)^sshPort\\s*=.*$", "sshPort = " + ssh);
        replace("etc/org.apache.karaf.shell.cfg", "(?m)^sshHost\\s*=.*$", "sshHost = 127.0.0.1");
        replace("etc/org.apache.karaf.management.cfg", "(?m)^rmiRegistryPort\\s*=.*$", "rmiRegistryPort = " + rmiRegistry);
        replace("etc/org.apache.karaf.management.cfg", "(?m)^rmiServerPort\\s*=.*$", "rmiServerPort = " + rmiServer);
        replace("etc/users.properties", "(?m)^#karaf = karaf", "karaf = karaf");
        replace("etc/users.properties", "(?m)^#_g_", "_g_");
    }

    private void replace(String file, String regex, String replacement) throws IOException {
        Path f = karaf.resolve(file);
        String before = Files.readString(f);
        String after = before.replaceAll(regex, Matcher.quoteReplacement(replacement));
        assertThat(after).as(file + " has " + regex).isNotEqualTo(before);
        Files.writeString(f, after);
    }

    /** The feature's bundle URL is mvn:io.lbsync/lbsync/VERSION/jar/karaf: Karaf's system/ folder is a Maven repository. */
    private Path installBundleIntoSystemRepository() throws IOException {
        Matcher m = Pattern.compile("mvn:([^/]+)/([^/]+)/([^/]+)/jar/karaf").matcher(Files.readString(FEATURES));
        assertThat(m.find()).as("bundle URL in " + FEATURES).isTrue();
        String group = m.group(1), artifact = m.group(2), version = m.group(3);
        Path target = karaf.resolve("system").resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + "-karaf.jar");
        Files.createDirectories(target.getParent());
        Files.copy(BUNDLE, target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** The class files of a jar (its embedded jars not opened). */
    private static List<String> entries(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(JarEntry::getName).filter(n -> n.endsWith(".class")).toList();
        }
    }

    private ProcessBuilder karafCommand(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(karaf.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("KARAF_HOME");
        pb.environment().remove("KARAF_BASE");
        pb.environment().put("JAVA_MAX_MEM", "768m");
        return pb;
    }

    private void startKaraf() throws Exception {
        process = karafCommand(karaf.resolve("bin/karaf").toString(), "server")
                .redirectOutput(dir.resolve("karaf-console.log").toFile()).start();
        // bin/client answers once the shell and the features service are up
        AtomicReference<Result> last = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                last.set(run(karaf.resolve("bin/client").toString(), "-r", "1", "-d", "1", "feature:list -i"));
                return last.get().exit() == 0;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("Karaf's shell did not answer within 90 s; bin/client last printed:\n"
                    + (last.get() == null ? "(nothing)" : last.get().output()) + "\nKaraf's log, its warnings and errors:\n"
                    + karafLog().lines().filter(l -> l.contains("| WARN ") || l.contains("| ERROR") || l.startsWith("java."))
                            .collect(Collectors.joining("\n")), e);
        }
    }

    private record Result(int exit, String output) {
    }

    private Result run(String... command) throws Exception {
        if (process != null && !process.isAlive()) {
            throw new AssertionError("Karaf exited:\n" + Files.readString(dir.resolve("karaf-console.log")));
        }
        Path out = Files.createTempFile(dir, "client", ".out");
        Process p = karafCommand(command).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    /** One Karaf shell command through bin/client; fails on a non-zero exit or an error printed by the command. */
    private String client(String command) throws Exception {
        Result r = run(karaf.resolve("bin/client").toString(), "-r", "3", "-d", "1", command);
        assertThat(r.exit()).as(command + " → " + r.output()).isZero();
        assertThat(r.output()).as(command).doesNotContain("Error executing command");
        return r.output();
    }

    /** Karaf down, always: bin/stop, then SIGTERM, then SIGKILL for the karaf process and everything it started. */
    private void stopKaraf() throws Exception {
        if (process == null) {
            return;
        }
        try {
            if (process.isAlive()) {
                Process stop = karafCommand(karaf.resolve("bin/stop").toString()).redirectOutput(dir.resolve("stop.out").toFile()).start();
                stop.waitFor(30, TimeUnit.SECONDS);
                stop.destroyForcibly();
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
                all.forEach(ProcessHandle::destroy);
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    all.forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalStateException(from + " missing: run through `mvn verify` (maven-dependency-plugin unpacks Karaf)");
        }
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
