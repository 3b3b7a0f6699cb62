package io.lbsync.install;

import io.lbsync.command.BoundedExecResult;
import io.lbsync.command.CommandResult;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.exec.ExecBinding;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecEndpoint;
import org.apache.camel.component.exec.ExecResult;

/**
 * camel-exec's binding for the install route ({@code binding=#lbsyncCommandBinding}): the command comes from the
 * target of the {@link InstallRun} in the body — lbsync.&lt;target&gt;.validate-command with {file} = the staged file, or
 * .reload-command, with their timeouts — never from headers, and its result is written onto the run, which stays the
 * body (camel-exec's default binding reads the command line from headers and replaces the body with the output).
 */
public final class TargetCommandBinding implements ExecBinding {
    @Override
    public ExecCommand readInput(Exchange exchange, ExecEndpoint endpoint) {
        InstallRun run = run(exchange);
        CommandRole role = CommandRole.ofEndpoint(endpoint.getExecutable());
        ConfigTarget target = ConfigTarget.of(exchange.getContext(), run.getTarget());
        List<String> argv = target.commandLine(role);
        long timeoutMillis = target.timeout(role).toMillis();
        run.commandStarting(role);
        return new ExecCommand(argv.get(0), argv.subList(1, argv.size()), null, timeoutMillis, Set.of(), null, null, false,
                LoggingLevel.DEBUG);
    }

    @Override
    public void writeOutput(Exchange exchange, ExecResult result) {
        run(exchange).commandEnded(result instanceof BoundedExecResult bounded ? bounded.result()
                : new CommandResult(result.getExitValue(), false, ""));
    }

    private static InstallRun run(Exchange exchange) {
        InstallRun run = exchange.getMessage().getBody(InstallRun.class);
        if (run == null) {
            throw new IllegalStateException("exec: with lbsync's command binding needs the install run as the body, not "
                    + exchange.getMessage().getBody());
        }
        return run;
    }
}
