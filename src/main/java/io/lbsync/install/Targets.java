package io.lbsync.install;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/**
 * The error handler's entry point: finds the target a failed exchange belonged to (property lbsyncTarget). Also keeps
 * each target's {@link TargetHistory} (GET /status, health checks).
 */
public class Targets {
    /** Exchange property naming the target bean of the running pipeline (set by the route's first step). */
    public static final String TARGET = io.lbsync.RouteNames.TARGET;
    private final CamelContext camel;
    private final Map<String, TargetHistory> histories = new ConcurrentHashMap<>();

    public Targets(CamelContext camel) {
        this.camel = camel;
    }

    public void failed(Exchange exchange) {
        String name = exchange.getProperty(TARGET, String.class);
        ConfigTarget target = name == null ? null : camel.getRegistry().lookupByNameAndType(name, ConfigTarget.class);
        if (target == null) {
            throw new IllegalStateException("a pipeline failed before naming its target (" + TARGET + " property missing)",
                    exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        }
        history(name).failed(target.status(), Instant.now());
        target.failed(exchange);
    }

    /** Route step after the render: remembers when, and what the template produced (the body). */
    public void rendered(Exchange exchange) {
        String name = exchange.getProperty(TARGET, String.class);
        ConfigTarget target = name == null ? null : camel.getRegistry().lookupByNameAndType(name, ConfigTarget.class);
        if (target == null) {
            return; // bookkeeping only: never stops a pipeline
        }
        String config = exchange.getMessage().getBody(String.class);
        byte[] bytes = config == null ? new byte[0] : config.getBytes(StandardCharsets.UTF_8);
        history(name).rendered(new TargetHistory.Render(Instant.now(), ConfigSummary.of(target.settings().kind(), bytes)), target.status());
    }

    /** The history of the named target (empty until its pipeline ran). */
    public TargetHistory history(String target) {
        return histories.computeIfAbsent(target, t -> new TargetHistory());
    }
}
