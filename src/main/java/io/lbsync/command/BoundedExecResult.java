package io.lbsync.command;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecResult;

/** camel-exec's result carrying lbsync's {@link CommandResult} (timeout, how it ended, bounded output). */
public final class BoundedExecResult extends ExecResult {
    private static final long serialVersionUID = 1L;
    private final CommandResult result;

    public BoundedExecResult(ExecCommand command, CommandResult result) {
        super(command, new ByteArrayInputStream(result.output().getBytes(StandardCharsets.UTF_8)), null, result.exitCode());
        this.result = result;
    }

    public CommandResult result() {
        return result;
    }
}
