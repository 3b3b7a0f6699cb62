package io.lbsync.install;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/** The error handler's entry point: finds the target a failed exchange belonged to (property lbsyncTarget). */
public class Targets {
    /** Exchange property naming the target bean of the running pipeline (set by the route's first step). */
    public static final String TARGET = "lbsyncTarget";
    private final CamelContext camel;

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
        target.failed(exchange);
    }
}
