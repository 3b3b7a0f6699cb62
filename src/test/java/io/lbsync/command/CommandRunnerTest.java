package io.lbsync.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.testsupport.ProcessChecks;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command runner against real processes: exit codes, output, timeouts that kill whole process trees, output
 * floods, missing binaries. Commands here use {@code sh -c} to build process trees; lbsync itself never runs a shell.
 */
class CommandRunnerTest {
    private static final Duration GRACE = Duration.ofMillis(500);
    @TempDir
    Path dir;
    private final CommandRunner runner = new CommandRunner(GRACE);

    private static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }

    @Test
    void exitCodeAndMergedOutput() {
        CommandResult failed = runner.run(sh("echo to-stdout; echo to-stderr >&2; exit 3"), Duration.ofSeconds(10));
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.succeeded()).isFalse();
        assertThat(failed.timedOut()).isFalse();
        assertThat(failed.output()).isEqualTo("to-stdout\nto-stderr\n");
        assertThat(failed.describe()).isEqualTo("exit 3: to-stdout\nto-stderr");

        CommandResult ok = runner.run(List.of("true"), Duration.ofSeconds(10));
        assertThat(ok.succeeded()).isTrue();
        assertThat(ok.describe()).isEqualTo("exit 0");
        assertThat(runner.run(List.of("false"), Duration.ofSeconds(10)).exitCode()).isEqualTo(1);
    }

    @Test
    void argumentsReachTheProgramAsTheyAreWithoutAShell() {
        CommandResult r = runner.run(List.of("echo", "a; rm -rf x", "$HOME", "*", "{file}"), Duration.ofSeconds(10));
        assertThat(r.output()).isEqualTo("a; rm -rf x $HOME * {file}\n");
    }

    @Test
    void stdinIsClosedSoACommandReadingItDoesNotHang() {
        long t0 = System.nanoTime();
        CommandResult r = runner.run(List.of("cat"), Duration.ofSeconds(10));
        assertThat(r.succeeded()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    /** The case camel-exec got wrong: a wrapper script's child survived the timeout. */
    @Test
    void aHangingCommandAndItsChildrenAreKilledAtTheTimeout() {
        Path pids = dir.resolve("pids");
        long t0 = System.nanoTime();
        CommandResult r = runner.run(sh("echo $$ > " + pids + "; sleep 300 & echo $! >> " + pids
                + "; setsid sleep 301 & echo $! >> " + pids + "; wait"), Duration.ofSeconds(1));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(r.timedOut()).isTrue();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.describe()).startsWith("timed out after 1s, killed pid ").contains("and 2 descendants (SIGTERM, ");
        assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofMillis(3000)); // no grace needed: SIGTERM suffices
        List<Long> tree = ProcessChecks.pids(pids);
        assertThat(tree).hasSize(3); // the shell, its child, a child in a session of its own
        assertThat(tree).allMatch(ProcessChecks::dead);
        assertThat(ProcessChecks.awaitReaped(tree, Duration.ofSeconds(10))).as("no zombie left: %s", tree).isTrue();
        System.out.printf("CommandRunnerTest: hanging tree (3 processes) killed %d ms after its 1 s timeout: %s%n",
                took.toMillis() - 1000, r.describe());
    }

    @Test
    void aTreeThatIgnoresSigtermGetsSigkillAfterTheGracePeriod() {
        Path pids = dir.resolve("pids");
        long t0 = System.nanoTime();
        CommandResult r = runner.run(sh("trap '' TERM; echo $$ > " + pids + "; sleep 300 & echo $! >> " + pids + "; wait"),
                Duration.ofSeconds(1));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(r.timedOut()).isTrue();
        assertThat(r.describe()).contains("timed out after 1s", "and 1 descendant (SIGKILL after 500ms");
        assertThat(took).isBetween(Duration.ofMillis(1500), Duration.ofMillis(4000)); // timeout + grace
        List<Long> tree = ProcessChecks.pids(pids);
        assertThat(tree).hasSize(2).allMatch(ProcessChecks::dead);
        assertThat(ProcessChecks.awaitReaped(tree, Duration.ofSeconds(10))).isTrue();
    }

    /**
     * A command that starts a background process and exits (a reload script starting a daemon) is not waited for:
     * the daemon keeps the output pipe open, but the runner returns when the command exits and leaves it running.
     */
    @Test
    void aCommandLeavingABackgroundProcessReturnsWhenItExits() {
        Path pid = dir.resolve("pid");
        long t0 = System.nanoTime();
        CommandResult r = runner.run(sh("(sleep 30 & echo $! > " + pid + "); echo started"), Duration.ofSeconds(20));
        try {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(r.succeeded()).isTrue();
            assertThat(r.output()).isEqualTo("started\n");
            assertThat(ProcessChecks.dead(ProcessChecks.pids(pid).get(0))).as("the background process is left alone").isFalse();
        } finally {
            ProcessChecks.pids(pid).forEach(ProcessChecks::kill);
        }
    }

    @Test
    void fiftyMegabytesOfOutputKeepHeadTailAndCountWithoutFillingTheHeap() {
        long size = 50L * 1024 * 1024;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long heapBefore = usedHeapAfterGc();
        long t0 = System.nanoTime();
        CommandResult r = runner.run(sh("echo FIRST; yes 0123456789abcdef | head -c " + size + "; echo; echo LAST; exit 2"),
                Duration.ofSeconds(60));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        long heapAfter = usedHeapAfterGc();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.timedOut()).isFalse();
        assertThat(r.outputBytes()).isEqualTo("FIRST\n".length() + size + "\nLAST\n".length());
        assertThat(r.output()).startsWith("FIRST\n0123456789abcdef\n").endsWith("\nLAST\n")
                .contains(" bytes omitted, " + r.outputBytes() + " in all ...]");
        assertThat(r.output().length()).isLessThan(CommandRunner.HEAD_BYTES + CommandRunner.TAIL_BYTES + 100);
        assertThat(allocated).as("bytes allocated by the runner for 50 MB of output").isLessThan(4L << 20);
        System.out.printf("CommandRunnerTest: %d MB of output in %d ms (%.0f MB/s); allocated by the runner: %d KB; "
                + "used heap after GC: %d KB before, %d KB after%n", size >> 20, took.toMillis(),
                size / 1048576.0 / (took.toNanos() / 1e9), allocated >> 10, heapBefore >> 10, heapAfter >> 10);
    }

    @Test
    void endlessOutputIsKilledAtTheTimeoutWithBoundedCapture() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        CommandResult r = runner.run(List.of("yes", "lbsync"), Duration.ofSeconds(1));
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;

        assertThat(r.timedOut()).isTrue();
        assertThat(r.describe()).startsWith("timed out after 1s, killed pid ");
        assertThat(r.outputBytes()).isGreaterThan(1L << 20);
        assertThat(r.output()).startsWith("lbsync\n").contains("bytes omitted");
        assertThat(r.output().length()).isLessThan(CommandRunner.HEAD_BYTES + CommandRunner.TAIL_BYTES + 100);
        assertThat(allocated).isLessThan(4L << 20);
        System.out.printf("CommandRunnerTest: 'yes' wrote %d MB in its 1 s; the runner allocated %d KB%n",
                r.outputBytes() >> 20, allocated >> 10);
    }

    @Test
    void aMissingBinaryIsAFailedResultNamingIt() throws Exception {
        CommandResult absent = runner.run(List.of("/nonexistent/lbsync-test-binary", "-c"), Duration.ofSeconds(5));
        assertThat(absent.succeeded()).isFalse();
        assertThat(absent.exitCode()).isEqualTo(CommandResult.NOT_RUN);
        assertThat(absent.describe()).isEqualTo("cannot run '/nonexistent/lbsync-test-binary': No such file or directory");

        assertThat(runner.run(List.of("lbsync-no-such-command"), Duration.ofSeconds(5)).describe())
                .isEqualTo("cannot run 'lbsync-no-such-command': No such file or directory");

        Path notExecutable = Files.writeString(dir.resolve("validate.sh"), "#!/bin/sh\nexit 0\n");
        CommandResult denied = runner.run(List.of(notExecutable.toString()), Duration.ofSeconds(5));
        assertThat(denied.succeeded()).isFalse();
        assertThat(denied.describe()).isEqualTo("cannot run '" + notExecutable + "': Permission denied");
    }

    /** lbsync stopping while a command runs: the command's tree is killed and the interrupt is passed on. */
    @Test
    void anInterruptKillsTheTreeAndKeepsTheInterruptFlag() throws Exception {
        Path pids = dir.resolve("pids");
        Thread caller = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            caller.interrupt();
        });
        interrupter.start();
        CommandResult r = runner.run(sh("echo $$ > " + pids + "; sleep 300 & echo $! >> " + pids + "; wait"),
                Duration.ofSeconds(30));
        boolean interrupted = Thread.interrupted();
        interrupter.join();

        assertThat(interrupted).isTrue();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.describe()).startsWith("interrupted (lbsync is stopping), killed pid ");
        assertThat(ProcessChecks.pids(pids)).hasSize(2).allMatch(ProcessChecks::dead);
    }

    /** The runner reads on the calling thread: however a command ends, no thread of lbsync's stays behind. */
    @Test
    void noThreadIsLeftBehind() {
        Set<Thread> before = threads();
        Path pid = dir.resolve("pid");
        runner.run(List.of("true"), Duration.ofSeconds(5));
        runner.run(sh("sleep 300 & wait"), Duration.ofMillis(300));
        runner.run(List.of("yes"), Duration.ofMillis(300));
        runner.run(sh("(sleep 30 & echo $! > " + pid + "); echo started"), Duration.ofSeconds(5));
        runner.run(List.of("/nonexistent/x"), Duration.ofSeconds(5));
        ProcessChecks.pids(pid).forEach(ProcessChecks::kill);
        Set<Thread> after = threads();
        after.removeAll(before);
        assertThat(after).as("threads started by the runs").isEmpty();
    }

    /** Live threads, except the JDK's shared "process reaper" pool (it waits for every child process, then idles out). */
    private static Set<Thread> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> !t.getName().startsWith("process reaper")).collect(Collectors.toSet());
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
