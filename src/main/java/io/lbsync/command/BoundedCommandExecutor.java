package io.lbsync.command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecCommandExecutor;
import org.apache.camel.component.exec.ExecResult;

/**
 * camel-exec's extension point with lbsync's {@link CommandRunner} behind it: exec: endpoints that name this executor
 * ({@code commandExecutor=#lbsyncCommandRunner}) get an argument array and no shell, stdin closed, output bounded to its
 * first and last few KB, and the whole process tree killed at the timeout — instead of camel-exec's default executor
 * (Apache Commons Exec), which keeps all output in memory and kills only the direct child.
 */
public final class BoundedCommandExecutor implements ExecCommandExecutor {
    /** A command run without a timeout would hang the route forever; exec: endpoints here always carry one. */
    private static final Duration NO_TIMEOUT_GIVEN = Duration.ofMinutes(5);
    private final CommandRunner runner;

    public BoundedCommandExecutor(CommandRunner runner) {
        this.runner = runner;
    }

    @Override
    public ExecResult execute(ExecCommand command) {
        List<String> argv = new ArrayList<>();
        argv.add(command.getExecutable());
        argv.addAll(command.getArgs());
        Duration timeout = command.getTimeout() > 0 ? Duration.ofMillis(command.getTimeout()) : NO_TIMEOUT_GIVEN;
        return new BoundedExecResult(command, runner.run(argv, timeout));
    }
}
