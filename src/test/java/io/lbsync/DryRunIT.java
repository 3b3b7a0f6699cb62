package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lbsync --dry} on real Consul, real files and the real haproxy -c: exit 0 when nothing would change, 2 when
 * something would (the diff on stdout), 1 when validation fails; the live file, its backup, its modification time and
 * the proxy (a reload command that would leave a trace) are untouched, and no HTTP port is bound (--once and --dry can
 * run beside a running lbsync).
 */
class DryRunIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private Path live;
    private Path reloaded;
    private final String service = ConsulTestCluster.unique("dry");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1");
        live = dir.resolve("haproxy.cfg");
        reloaded = dir.resolve("reloaded");
    }

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Map<String, String> properties() {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.services", service);
        p.put("lbsync.haproxy.output", live.toString());
        p.put("lbsync.haproxy.reload-command", "touch " + reloaded);
        return p;
    }

    private void register(String id, int port) {
        cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"" + id + "\",\"Name\":\"" + service
                + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + "}").requireOk();
    }

    /** Runs lbsync in the given mode; returns the exit code and what it printed on stdout. */
    private record Result(int exit, String stdout) {
    }

    private Result run(RunMode mode, Map<String, String> p) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = LbsyncOnce.run(p, dir.resolve("operator.properties"), LIMIT, mode);
            return new Result(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void exitsTwoWithTheDiffWhenSomethingWouldChangeAndTouchesNothing() throws Exception {
        Files.writeString(live, "# before lbsync\n"); // so that the install keeps a backup
        register(ConsulTestCluster.unique("i"), 9301);
        assertThat(run(RunMode.ONCE, properties()).exit()).isZero();
        Files.delete(reloaded);
        String installed = Files.readString(live);
        FileTime mtime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(live, mtime);
        byte[] backup = Files.readAllBytes(dir.resolve("haproxy.cfg.bak"));

        register(ConsulTestCluster.unique("i"), 9302);
        Result dry = run(RunMode.DRY, properties());

        assertThat(dry.exit()).isEqualTo(2);
        assertThat(dry.stdout()).contains("--- " + live + " (live)", "+++ " + live + " (lbsync --dry, target haproxy)")
                .containsPattern("(?m)^\\+\\s+server \\S+ 127\\.0\\.0\\.1:9302 weight 1$");
        assertThat(Files.readString(live)).isEqualTo(installed);
        assertThat(Files.getLastModifiedTime(live)).isEqualTo(mtime);
        assertThat(Files.readAllBytes(dir.resolve("haproxy.cfg.bak"))).isEqualTo(backup);
        assertThat(reloaded).as("no reload").doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("nothing staged next to the live file")
                    .noneMatch(n -> n.contains("lbsync-staged"));
        }
    }

    @Test
    void exitsZeroWhenNothingWouldChange() throws Exception {
        register(ConsulTestCluster.unique("i"), 9303);
        assertThat(run(RunMode.ONCE, properties()).exit()).isZero();
        Files.delete(reloaded);
        Result dry = run(RunMode.DRY, properties());
        assertThat(dry.exit()).isZero();
        assertThat(dry.stdout()).doesNotContain("+++ ");
        assertThat(reloaded).doesNotExist();
    }

    @Test
    void exitsOneWhenValidationFailsAndTheLiveFileStays() throws Exception {
        Files.writeString(live, "# the working config\n");
        Path template = dir.resolve("broken.cfg.ftl");
        Files.writeString(template, "global\n    this-is-not-haproxy\n");
        Map<String, String> p = properties();
        p.put("lbsync.haproxy.template", template.toString());
        register(ConsulTestCluster.unique("i"), 9304);
        assertThat(run(RunMode.DRY, p).exit()).isEqualTo(1);
        assertThat(Files.readString(live)).isEqualTo("# the working config\n");
        assertThat(reloaded).doesNotExist();
    }

    @Test
    void onceAndDryBindNoHttpPortSoTheyRunBesideARunningLbsync() throws Exception {
        register(ConsulTestCluster.unique("i"), 9305);
        Map<String, String> p = properties();
        try (ServerSocket running = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            p.put("lbsync.http.host", "127.0.0.1");
            p.put("lbsync.http.port", String.valueOf(running.getLocalPort())); // taken, as by a running lbsync
            assertThat(run(RunMode.DRY, p).exit()).isEqualTo(2);
            assertThat(run(RunMode.ONCE, p).exit()).isZero();
        }
    }
}
