package io.lbsync.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs validate and reload commands: an argument array (never a shell), stdin closed, stdout and stderr merged.
 * <ul>
 * <li><b>Bounded output.</b> Only the first and last {@value #HEAD_BYTES} bytes and the total count are kept;
 * the rest is read and thrown away, so a command that writes gigabytes neither blocks on a full pipe nor fills the
 * heap.</li>
 * <li><b>Timeout kills the whole tree.</b> At the timeout the command and every descendant it has (a wrapper script's
 * {@code sleep}, a child in its own session) get SIGTERM, then SIGKILL after a grace period; the result is a
 * failure saying so. Descendants are found before anything is killed, since a process whose parent died is no
 * longer anyone's descendant.</li>
 * <li><b>No thread, no zombie.</b> The calling thread polls the pipe ({@code available()}, never a blocking read)
 * and the process, so no reader thread exists that a background process holding the pipe open could keep blocked
 * forever. The JDK reaps the command itself; killed descendants are orphans that init reaps.</li>
 * <li><b>A missing binary is a result, not an exception</b> ({@link CommandResult#notRun}), so a binary removed
 * after start-up fails the install step like any failing command (staged file discarded, reload rolled back).</li>
 * </ul>
 * A command that exits normally is not waited for beyond its own exit: background processes it leaves (a daemon it
 * started) are not killed, and the JDK closes lbsync's end of the pipe when the command exits.
 */
public class CommandRunner {
    /** Bytes kept from the start and from the end of a command's output. */
    public static final int HEAD_BYTES = 4096;
    public static final int TAIL_BYTES = 4096;
    static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(2);
    /** How long to wait for processes to disappear after SIGKILL (a process in uninterruptible I/O may take longer). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /** Longest pause between two looks at the pipe while the command is quiet. */
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);

    private final Duration killGrace;

    public CommandRunner() {
        this(DEFAULT_KILL_GRACE);
    }

    /** @param killGrace time between SIGTERM and SIGKILL for a command that timed out */
    public CommandRunner(Duration killGrace) {
        this.killGrace = killGrace;
        if (ProcessHandle.current().pid() == 1) {
            LOG.warn("event=runs-as-pid-1 reason=\"lbsync is process 1 (a container without an init): descendants of a "
                    + "command killed at its timeout cannot be reaped and stay zombies; run the container with an init "
                    + "(docker run --init, tini)\"");
        }
    }

    public CommandResult run(List<String> argv, Duration timeout) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            return CommandResult.notRun("cannot run '" + argv.get(0) + "': " + startError(e));
        }
        long started = System.nanoTime();
        BoundedOutput output = new BoundedOutput(HEAD_BYTES, TAIL_BYTES);
        InputStream in = process.getInputStream();
        try {
            process.getOutputStream().close(); // stdin: end of file at once, a command that reads it cannot hang on it
        } catch (IOException ignored) {
            // nothing to close
        }
        String detail = "";
        boolean timedOut = false;
        try {
            timedOut = !awaitExit(process, in, output, started + timeout.toNanos());
            if (timedOut) {
                detail = "timed out after " + human(timeout) + ", " + killTree(process, in, output);
            }
        } catch (InterruptedException e) {
            detail = "interrupted (lbsync is stopping), " + killTree(process, in, output);
            Thread.currentThread().interrupt();
        }
        drainRemaining(in, output);
        try {
            in.close();
        } catch (IOException ignored) {
            // closing our end of the pipe: nothing to do about a failure
        }
        int exit = process.isAlive() ? -1 : process.exitValue(); // alive: survived SIGKILL (logged), no exit code
        return new CommandResult(exit, timedOut, output.text(), output.total(), detail);
    }

    /** Drains output until the command exits (true) or the deadline passes (false). */
    private static boolean awaitExit(Process process, InputStream in, BoundedOutput output, long deadline)
            throws InterruptedException {
        long pause = 0;
        while (true) {
            boolean read = output.drainAvailable(in) > 0;
            if (!process.isAlive()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            // output flowing: look again at once; quiet: wait a little longer each time (50 µs doubling up to 10 ms).
            // Pauses under a millisecond park (waitFor rounds up to 1 ms, which would cap a fast writer at one pipe
            // buffer, 64 KB, per ms); longer ones wait on the process, which returns as soon as it exits.
            pause = read ? 0 : Math.min(MAX_POLL_NANOS, Math.max(pause * 2, 50_000));
            if (pause == 0) {
                Thread.yield();
            } else if (pause < 1_000_000) {
                LockSupport.parkNanos(pause);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            } else if (process.waitFor(Math.min(pause, left), TimeUnit.NANOSECONDS)) {
                return true;
            }
        }
    }

    /**
     * SIGTERM to the command and all its descendants, SIGKILL to what is left after the grace period (and to
     * anything they started meanwhile). Returns a description for the operator.
     */
    private String killTree(Process process, InputStream in, BoundedOutput output) {
        long t0 = System.nanoTime();
        ProcessHandle root = process.toHandle(); // not Process.destroy(): that also closes the output pipe
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        collect(root, tree);
        tree.forEach(ProcessHandle::destroy);
        // a process that forked while we signalled: signal what appeared under the survivors too
        newDescendants(tree).forEach(ProcessHandle::destroy);
        boolean gone = awaitGone(tree, in, output, t0 + killGrace.toNanos());
        String how = "SIGTERM";
        if (!gone) {
            newDescendants(tree);
            tree.stream().filter(h -> !gone(h)).forEach(ProcessHandle::destroyForcibly);
            how = "SIGKILL after " + human(killGrace);
            if (!awaitGone(tree, in, output, System.nanoTime() + KILL_WAIT.toNanos())) {
                List<Long> alive = tree.stream().filter(h -> !gone(h)).map(ProcessHandle::pid).toList();
                LOG.warn("event=command-kill-incomplete pids={} reason=\"still running {} after SIGKILL\"", alive, human(KILL_WAIT));
                how += "; still running: pids " + alive;
            }
        }
        int descendants = tree.size() - 1;
        return "killed pid " + root.pid() + (descendants > 0 ? " and " + descendants + " descendant"
                + (descendants == 1 ? "" : "s") : "") + " (" + how + ", " + Duration.ofNanos(System.nanoTime() - t0).toMillis()
                + " ms)";
    }

    /** Adds the descendants of {@code root}, then root itself (children are looked up while their parents live). */
    private static void collect(ProcessHandle root, Set<ProcessHandle> tree) {
        root.descendants().forEach(tree::add);
        tree.add(root);
    }

    /** Descendants of the still-running members that are not in the tree yet; they are added to it. */
    private static List<ProcessHandle> newDescendants(Set<ProcessHandle> tree) {
        List<ProcessHandle> found = new ArrayList<>();
        for (ProcessHandle h : List.copyOf(tree)) {
            if (!gone(h)) {
                h.descendants().filter(d -> !tree.contains(d)).forEach(found::add);
            }
        }
        tree.addAll(found);
        return found;
    }

    /** Waits (draining output, so no process blocks on a full pipe while exiting) until every member is gone. */
    private static boolean awaitGone(Set<ProcessHandle> tree, InputStream in, BoundedOutput output, long deadline) {
        while (true) {
            output.drainAvailable(in);
            if (tree.stream().allMatch(CommandRunner::gone)) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // an interrupt only shortens the pause
        }
    }

    /** Not running: exited, or a zombie (dead, waiting for its parent or init to reap it). */
    static boolean gone(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return !h.isAlive(); // no /proc (not Linux) or the process just went away
        }
    }

    /** What the command wrote before it exited: bytes still in the pipe (bounded in time against a writing daemon). */
    private static void drainRemaining(InputStream in, BoundedOutput output) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250);
        while (output.drainAvailable(in) > 0 && System.nanoTime() - deadline < 0) {
            // keep reading
        }
    }

    private static String startError(IOException e) {
        // "Cannot run program "x": error=2, No such file or directory" → "No such file or directory"
        String m = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.replaceFirst("^error=\\d+, ", "");
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
