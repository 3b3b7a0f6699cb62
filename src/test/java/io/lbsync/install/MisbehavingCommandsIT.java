package io.lbsync.install;

import io.lbsync.command.CommandRunner;

import static io.lbsync.testsupport.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import io.lbsync.testsupport.Ports;
import io.lbsync.testsupport.ProcessChecks;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validate and reload commands that misbehave, through the real pipeline (lbsync's routes and beans, the Consul
 * simulator or a real Consul, the HAProxy target with the real {@code haproxy -c}, a temporary output file): a
 * command that hangs (with a child process), one that writes tens of megabytes, one whose binary disappears after
 * start-up. Each time: the live config is unchanged (or restored), the failure is in the target's status, the
 * command's processes are gone, and once the command behaves again the next install works without a restart.
 * <p>
 * The commands are scripts in the test's directory; a test swaps a script's content (atomically) to make the
 * command misbehave or behave again.
 */
class MisbehavingCommandsIT {
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private String node;
    private LbsyncApp app;
    private Path live;
    private Path validate;
    private Path reload;
    private Path pids;
    private final String service = ConsulTestCluster.unique("cmds");

    @BeforeEach
    void setUp() throws IOException {
        cluster = ConsulTestCluster.start("node-1");
        node = cluster.nodes().get(0);
        live = dir.resolve("haproxy.cfg");
        validate = dir.resolve("validate.sh");
        reload = dir.resolve("reload.sh");
        pids = dir.resolve("pids");
        script(validate, "exec haproxy -c -q -f \"$1\"");
        script(reload, "exit 0");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            ProcessChecks.pids(pids).forEach(ProcessChecks::kill);
            cluster.close();
        }
    }

    private Map<String, String> properties() throws IOException {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.kv.enabled", "false");
        p.put("lbsync.haproxy.enabled", "true");
        p.put("lbsync.haproxy.output", live.toString());
        p.put("lbsync.haproxy.validate-command", validate + " {file}");
        p.put("lbsync.haproxy.validate-timeout", COMMAND_TIMEOUT.toMillis() + "ms");
        p.put("lbsync.haproxy.reload-command", reload.toString());
        p.put("lbsync.haproxy.reload-timeout", COMMAND_TIMEOUT.toMillis() + "ms");
        p.put("lbsync.haproxy.param.bind", "127.0.0.1:" + Ports.free());
        return p;
    }

    /** A shell script that records its PID and that of a child, then waits for the child (forever, in effect). */
    private String hangWithChild() {
        return "date +%s%3N > " + dir.resolve("hang-started") + "\necho $$ >> " + pids + "\nsleep 300 &\necho $! >> " + pids
                + "\nwait\n";
    }

    // ---- the tests ----

    @Test
    void aHangingValidationIsKilledAtItsTimeoutAndTheNextChangeInstallsOnceItBehaves() throws Exception {
        app = LbsyncApp.start(properties());
        register("i1", 18001);
        awaitLive("127.0.0.1:18001");
        Snapshot before = snapshot();

        script(validate, hangWithChild());
        Instant changed = Instant.now();
        register("i2", 18002);
        awaitFailed(changed, "validation rejected the new config, live file unchanged (timed out after 2s, killed pid ",
                " and 1 descendant (SIGTERM, ");
        // (looked at at once: the retry, a second or two later, stages the file again)
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).as("staged file discarded").doesNotExist();
        TargetStatus failed = app.target("haproxy").status();
        long killedAfter = failed.at().toEpochMilli() - Long.parseLong(Files.readString(dir.resolve("hang-started")).trim());
        List<Long> hung = ProcessChecks.pids(pids);
        assertThat(hung).as("the script and its child").hasSizeGreaterThanOrEqualTo(2);
        assertThat(hung.subList(0, 2)).allMatch(ProcessChecks::dead);
        assertThat(ProcessChecks.awaitReaped(hung.subList(0, 2), Duration.ofSeconds(10))).as("reaped").isTrue();
        before.assertUntouched();

        // the command behaves again: the pending change goes in (a retry, or the next change) without a restart
        script(validate, "exec haproxy -c -q -f \"$1\"");
        register("i3", 18003);
        awaitInstalled("127.0.0.1:18002", "127.0.0.1:18003");
        awaitAllDead();
        System.out.printf("MisbehavingCommandsIT: hanging validation (2 s timeout) failed the install %d ms after it "
                + "started: %s%n", killedAfter, failed.detail());
    }

    @Test
    void aHangingReloadIsKilledTheProblemConfigRolledBackAndRecoveryNeedsNoRestart() throws Exception {
        Path reloads = dir.resolve("reloads.log");
        script(reload, "echo reload >> " + reloads + "\nexit 0");
        app = LbsyncApp.start(properties());
        register("i1", 18001);
        awaitLive("127.0.0.1:18001");
        Snapshot before = snapshot();

        // the "proxy" hangs on reload while the live file holds i2 (the new config), and reloads fine on the old one
        script(reload, "echo reload >> " + reloads + "\nif grep -q 127.0.0.1:18002 " + live + "; then\n" + hangWithChild()
                + "fi\nexit 0");
        Instant changed = Instant.now();
        register("i2", 18002);
        awaitFailed(changed, "reload failed (timed out after 2s, killed pid ", " and 1 descendant (SIGTERM, ",
                "previous config put back and reloaded (ok)");
        before.assertUnchanged();
        assertThat(Files.readAllBytes(dir.resolve("haproxy.cfg.bak"))).isEqualTo(before.bytes);
        List<Long> hung = ProcessChecks.pids(pids);
        assertThat(hung).hasSizeGreaterThanOrEqualTo(2);
        assertThat(hung.subList(0, 2)).allMatch(ProcessChecks::dead);
        assertThat(ProcessChecks.awaitReaped(hung.subList(0, 2), Duration.ofSeconds(10))).isTrue();

        script(reload, "echo reload >> " + reloads + "\nexit 0");
        awaitInstalled("127.0.0.1:18001", "127.0.0.1:18002");
        awaitAllDead();
        assertThat(run("haproxy", "-c", "-q", "-f", live.toString())).isZero();
    }

    /**
     * A validation that writes 60 MB before its verdict: the verdict (exit code) decides, the status keeps a few KB of
     * the output (its start and its end, where the error usually is), and lbsync does not hold the megabytes.
     */
    @Test
    void megabytesOfValidationOutputAreBoundedAndTheExitCodeDecides() throws Exception {
        long noise = 60_000_000;
        String flood = "yes 'lbsync test noise' | head -c " + noise + "\n";
        script(validate, flood + "exec haproxy -c -q -f \"$1\"");
        app = LbsyncApp.start(properties());
        register("i1", 18001);
        awaitLive("127.0.0.1:18001");
        Snapshot before = snapshot();

        script(validate, flood + "echo 'the real error: line 42 is wrong' >&2\nexit 1");
        Instant changed = Instant.now();
        long allocatedBefore = allocatedByAllThreads();
        long t0 = System.nanoTime();
        register("i2", 18002);
        awaitFailed(changed, "validation rejected the new config, live file unchanged (exit 1: lbsync test noise",
                " bytes omitted, " + (noise + "the real error: line 42 is wrong\n".length()) + " in all ...]",
                "the real error: line 42 is wrong)");
        long allocated = allocatedByAllThreads() - allocatedBefore;
        Duration toFailure = Duration.ofNanos(System.nanoTime() - t0);
        String detail = app.target("haproxy").status().detail();
        assertThat(detail.length()).as("status detail size").isLessThan(CommandRunner.HEAD_BYTES + CommandRunner.TAIL_BYTES + 500);
        // the whole JVM (lbsync, the Consul simulator, the test) allocated far less than one copy of the output
        assertThat(allocated).as("bytes allocated in the JVM while a 60 MB validation ran").isLessThan(noise / 2);
        before.assertUntouched();

        script(validate, flood + "exec haproxy -c -q -f \"$1\"");
        awaitInstalled("127.0.0.1:18001", "127.0.0.1:18002");
        System.out.printf("MisbehavingCommandsIT: a change whose validation writes 60 MB and fails was reported %d ms after "
                + "the change (quiescence included); the whole JVM allocated %d KB meanwhile; status detail: %d chars%n",
                toFailure.toMillis(), allocated >> 10, detail.length());
    }

    /** Start-up checks the binaries, but one can still disappear later (a package upgrade, a wrong deploy). */
    @Test
    void aBinaryThatDisappearsAfterStartUpFailsTheInstallClearlyUntilItIsBack() throws Exception {
        app = LbsyncApp.start(properties());
        register("i1", 18001);
        awaitLive("127.0.0.1:18001");
        Snapshot before = snapshot();

        Path moved = dir.resolve("validate.sh.away");
        Files.move(validate, moved);
        Instant changed = Instant.now();
        register("i2", 18002);
        awaitFailed(changed, "validation rejected the new config, live file unchanged (cannot run '" + validate
                + "': No such file or directory)");
        assertThat(dir.resolve(".haproxy.cfg.lbsync-staged")).as("staged file discarded").doesNotExist();
        before.assertUntouched();
        Files.move(moved, validate);
        awaitInstalled("127.0.0.1:18002");
        before = snapshot();

        Files.move(reload, dir.resolve("reload.sh.away"));
        changed = Instant.now();
        register("i3", 18003);
        awaitFailed(changed, "reload failed (cannot run '" + reload + "': No such file or directory); previous config put "
                + "back and reloaded (cannot run '" + reload + "': No such file or directory)");
        before.assertUnchanged();
        Files.move(dir.resolve("reload.sh.away"), reload);
        awaitInstalled("127.0.0.1:18003");
    }

    @Test
    void aMissingBinaryAtStartUpIsAnErrorNamingTheProperty() throws Exception {
        Map<String, String> p = properties();
        Path absent = dir.resolve("no such dir/reload");
        p.put("lbsync.haproxy.reload-command", "'" + absent + "' --graceful");
        assertThatThrownBy(() -> LbsyncApp.start(p)).hasRootCauseMessage("lbsync.haproxy.reload-command: '" + absent
                + "' not found (no executable file at " + absent + "); install it or correct the property");

        Map<String, String> q = properties();
        q.put("lbsync.haproxy.validate-command", "lbsync-no-such-haproxy -c -f {file}");
        assertThatThrownBy(() -> LbsyncApp.start(q)).rootCause()
                .hasMessageStartingWith("lbsync.haproxy.validate-command: 'lbsync-no-such-haproxy' not found in PATH (")
                .hasMessageEndingWith("); install it, or set the property to an empty value to skip validation (unsafe)");

        Map<String, String> r = properties();
        r.put("lbsync.haproxy.validate-command", dir + " {file}"); // a directory is not a program
        assertThatThrownBy(() -> LbsyncApp.start(r)).rootCause()
                .hasMessageStartingWith("lbsync.haproxy.validate-command: '" + dir + "' not found");
    }

    // ---- helpers ----

    /** Replaces a script atomically (lbsync may be starting it at this moment). */
    private void script(Path file, String body) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, "#!/bin/sh\n" + body + "\n");
        assertThat(tmp.toFile().setExecutable(true)).isTrue();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void register(String instance, int port) {
        String id = service + "-" + instance;
        cluster.http().registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + service + "\","
                + "\"Address\":\"127.0.0.1\",\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + service + ".test\"],"
                + "\"Check\":{\"CheckID\":\"check-" + id + "\",\"TTL\":\"10m\",\"Status\":\"passing\"}}")
                .requireOk();
    }

    private void awaitLive(String... servers) {
        await("live config with " + List.of(servers)).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            String text = Files.isRegularFile(live) ? Files.readString(live) : "";
            TargetStatus s = app.target("haproxy").status();
            // installed, or a later run found nothing new to install (UNCHANGED)
            return Arrays.stream(servers).allMatch(text::contains) && s != null && !s.failed();
        });
    }

    /** Recovery: the servers are live, the target's last run did not fail, and the live file passes haproxy -c. */
    private void awaitInstalled(String... servers) throws Exception {
        awaitLive(servers);
        assertThat(run("haproxy", "-c", "-q", "-f", live.toString())).isZero();
    }

    private void awaitFailed(Instant after, String... detail) {
        await("haproxy FAILED after " + after).atMost(CHANGE_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            TargetStatus s = app.target("haproxy").status();
            return s != null && s.failed() && s.at().isAfter(after);
        });
        assertThat(app.target("haproxy").status().detail()).contains(detail);
    }

    /** Every process any hanging command started (first attempt and retries) is gone. */
    private void awaitAllDead() {
        await("all hanging commands killed").atMost(Duration.ofSeconds(10))
                .until(() -> ProcessChecks.pids(pids).stream().allMatch(ProcessChecks::dead));
    }

    private Snapshot snapshot() throws IOException {
        return new Snapshot(Files.readAllBytes(live), Files.getLastModifiedTime(live));
    }

    /** The live file as it was: same bytes, same modification time (never rewritten, or restored from .bak atomically). */
    private final class Snapshot {
        final byte[] bytes;
        final FileTime mtime;

        Snapshot(byte[] bytes, FileTime mtime) {
            this.bytes = bytes;
            this.mtime = mtime;
        }

        void assertUnchanged() throws IOException {
            // a failed install is retried every few seconds (and a reload failure rolls back): look between attempts
            await().atMost(Duration.ofSeconds(5)).until(() -> Arrays.equals(Files.readAllBytes(live), bytes));
            assertThat(Files.readAllBytes(live)).as("live config").isEqualTo(bytes);
        }

        void assertUntouched() throws IOException {
            assertUnchanged();
            assertThat(Files.getLastModifiedTime(live).to(TimeUnit.MICROSECONDS)).isEqualTo(mtime.to(TimeUnit.MICROSECONDS));
        }
    }

    private static long allocatedByAllThreads() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds())).filter(b -> b > 0).sum();
    }
}
