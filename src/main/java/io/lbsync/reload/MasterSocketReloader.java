package io.lbsync.reload;

import io.lbsync.command.CommandResult;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reloads HAProxy in master-worker mode (haproxy -W -S &lt;socket&gt;) through its master CLI. HAProxy 2.6 prints
 * nothing for "reload", so success is read from "show proc": the master's reload counter must move and its
 * failed counter must not (a config the new process could not load counts as failed).
 */
public final class MasterSocketReloader implements Reloader {
    private static final Pattern MASTER_LINE = Pattern.compile("(?m)^\\d+\\s+master\\s+(\\d+)\\s+\\[failed:\\s*(\\d+)\\]");
    private final MasterCli cli;
    private final Duration timeout;

    public MasterSocketReloader(Path socket, Duration timeout) {
        this.cli = new MasterCli(socket);
        this.timeout = timeout;
    }

    private record Counters(int reloads, int failed) {
    }

    @Override
    public CommandResult reload() {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Counters before = counters();
            cli.send("reload");
            while (System.nanoTime() < deadline) {
                sleep();
                Counters after;
                try {
                    after = counters();
                } catch (IOException | IllegalStateException e) {
                    continue; // the master is re-executing itself; its socket comes back shortly
                }
                if (after.reloads() > before.reloads()) {
                    return after.failed() > before.failed()
                            ? new CommandResult(1, false, "HAProxy master reports the reload failed (show proc: failed "
                            + after.failed() + ")")
                            : new CommandResult(0, false, "");
                }
            }
            return new CommandResult(1, true, "no reload seen on " + cli.socket());
        } catch (IOException | IllegalStateException e) {
            return new CommandResult(1, false, "master socket " + cli.socket() + ": " + e.getMessage());
        }
    }

    private Counters counters() throws IOException {
        String out = cli.send("show proc");
        Matcher m = MASTER_LINE.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected 'show proc' answer");
        }
        return new Counters(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    @Override
    public String describe() {
        return "HAProxy master socket " + cli.socket();
    }
}
