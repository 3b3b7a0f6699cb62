package io.lbsync.install;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.exec.ExecBinding;
import org.apache.camel.component.exec.ExecResult;

/**
 * Runs validate and reload commands through camel-exec: an argument array (no shell), a timeout, and an
 * explicit exit-code check, since camel-exec reports neither a non-zero exit nor a timeout (exit 143) by itself.
 */
public class CommandRunner {
    private static final int MAX_OUTPUT = 4096;
    private final ProducerTemplate producer;

    public CommandRunner(CamelContext camel) {
        this.producer = camel.createProducerTemplate();
    }

    public CommandResult run(List<String> argv, Duration timeout) {
        long started = System.nanoTime();
        // A fresh exchange: no CamelExec* header of a previous step can change the command.
        Exchange result = producer.send("exec:" + argv.get(0) + "?timeout=" + timeout.toMillis(),
                exchange -> exchange.getIn().setHeader(ExecBinding.EXEC_COMMAND_ARGS, argv.subList(1, argv.size())));
        if (result.getException() != null) {
            throw new CommandFailedException("cannot run " + argv.get(0) + ": " + result.getException().getMessage(),
                    result.getException());
        }
        ExecResult exec = result.getMessage().getBody(ExecResult.class);
        boolean timedOut = Duration.ofNanos(System.nanoTime() - started).compareTo(timeout) >= 0;
        String output = read(exec.getStdout()) + read(exec.getStderr());
        return new CommandResult(exec.getExitValue(), timedOut, output);
    }

    private static String read(InputStream in) {
        if (in == null) {
            return "";
        }
        try (in) {
            byte[] bytes = in.readNBytes(MAX_OUTPUT);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
