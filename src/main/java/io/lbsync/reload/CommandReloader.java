package io.lbsync.reload;

import io.lbsync.command.CommandResult;
import io.lbsync.command.CommandRunner;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reloads by running lbsync.&lt;target&gt;.reload-command, e.g. "systemctl reload haproxy". The install route runs the
 * command through camel-exec ({@link #argv()}, {@link #timeout()}) between {@link #before()} and {@link #judge};
 * {@link #reload()} does all three at once with the same runner, for the reload after a rollback.
 */
public final class CommandReloader implements Reloader {
    private final CommandRunner runner;
    private final List<String> argv;
    private final Duration timeout;
    private final Optional<NewWorkersCheck> newWorkers;

    /** @param newWorkers nginx: a reload counts only when its master started new workers (lbsync.&lt;target&gt;.pid-file) */
    public CommandReloader(CommandRunner runner, List<String> argv, Duration timeout, Optional<NewWorkersCheck> newWorkers) {
        this.runner = runner;
        this.argv = List.copyOf(argv);
        this.timeout = timeout;
        this.newWorkers = newWorkers;
    }

    public List<String> argv() {
        return argv;
    }

    public Duration timeout() {
        return timeout;
    }

    /** What has to be noted before the command runs to judge it afterwards (nginx: the master's workers). */
    public Object before() {
        return newWorkers.map(NewWorkersCheck::before).orElse(null);
    }

    /** The reload's outcome: the command's result, and (nginx) whether new workers started. */
    public CommandResult judge(Object before, CommandResult commandResult) {
        return newWorkers.map(check -> check.judge((NewWorkersCheck.Workers) before, commandResult)).orElse(commandResult);
    }

    @Override
    public CommandResult reload() {
        Object before = before();
        return judge(before, runner.run(argv, timeout));
    }

    @Override
    public String describe() {
        return "command " + String.join(" ", argv) + newWorkers.map(c -> ", " + c.describe()).orElse("");
    }
}
