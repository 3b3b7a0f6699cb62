package io.lbsync.install;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;

/**
 * The install routes' error handler (bean "targets", routes/targets.yaml): hands a failed run to its target. Also keeps
 * each target's {@link TargetHistory} (GET /status, health checks).
 */
public class Targets {
    private final Map<String, TargetHistory> histories = new ConcurrentHashMap<>();

    /** A step of a target's route threw: the body is still that run ({@link InstallRun}: enrich and exec: keep it). */
    public void failed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        InstallRun run = exchange.getMessage().getBody(InstallRun.class);
        if (run == null) {
            throw new IllegalStateException("an install route failed before its run started", e);
        }
        ConfigTarget.of(exchange.getContext(), run.getTarget()).failed(exchange, e);
    }

    /** The history of the named target (empty until its pipeline ran). */
    public TargetHistory history(String target) {
        return histories.computeIfAbsent(target, t -> new TargetHistory());
    }
}
