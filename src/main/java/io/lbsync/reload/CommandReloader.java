package io.lbsync.reload;

import io.lbsync.command.CommandResult;
import io.lbsync.command.CommandRunner;

import java.time.Duration;
import java.util.List;

/** Reloads by running lbsync.&lt;target&gt;.reload-command, e.g. "systemctl reload haproxy". */
public final class CommandReloader implements Reloader {
    private final CommandRunner runner;
    private final List<String> argv;
    private final Duration timeout;

    public CommandReloader(CommandRunner runner, List<String> argv, Duration timeout) {
        this.runner = runner;
        this.argv = argv;
        this.timeout = timeout;
    }

    @Override
    public CommandResult reload() {
        return runner.run(argv, timeout);
    }

    @Override
    public String describe() {
        return "command " + String.join(" ", argv);
    }
}
