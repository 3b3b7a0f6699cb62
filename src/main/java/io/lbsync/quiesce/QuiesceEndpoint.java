package io.lbsync.quiesce;

import io.lbsync.config.EndpointOptions;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link QuiesceComponent}. minWait/maxWait are set on the consuming side. */
@UriEndpoint(scheme = "quiesce", title = "Quiesce", syntax = "quiesce:name", category = Category.CORE)
public class QuiesceEndpoint extends DefaultEndpoint implements MultipleConsumersSupport {
    private static final Logger LOG = LoggerFactory.getLogger(QuiesceEndpoint.class);
    /** Exchange property (a Duration) a consumer's route sets to have the same value delivered to it again later. */
    public static final String RETRY_AFTER = io.lbsync.RouteNames.RETRY_AFTER;
    @UriPath(description = "The name producers send changes to and consumers read them from")
    @Metadata(required = true)
    private final String name;
    @UriParam(label = "consumer", defaultValue = "0ms", description = "Quiet period: deliver once no change arrived for this long")
    private Duration minWait = Duration.ZERO;
    @UriParam(label = "consumer", defaultValueNote = "4 x minWait",
            description = "Deliver no later than this after the first pending change")
    private Duration maxWait;

    public QuiesceEndpoint(String uri, QuiesceComponent component, String name) {
        super(uri, component);
        this.name = name;
    }

    private QuiesceComponent component() {
        return (QuiesceComponent) getComponent();
    }

    @Override
    public Producer createProducer() {
        return new DefaultProducer(this) {
            @Override
            public void process(org.apache.camel.Exchange exchange) {
                component().signal(name, exchange.getMessage().getBody());
            }
        };
    }

    /** Refuses a maxWait shorter than minWait; called when the endpoint is created. */
    void validateOptions() {
        EndpointOptions.requireNotShorter("quiesce:" + name, "maxWait", effectiveMaxWait(), "minWait", minWait);
    }

    private Duration effectiveMaxWait() {
        return maxWait != null ? maxWait : minWait.multipliedBy(4);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        Duration min = minWait;
        Duration max = effectiveMaxWait();
        return new DefaultConsumer(this, processor) {
            private final java.util.function.Consumer<Object> listener = this::deliver;
            private final Debouncer debouncer = component().debouncer(name, min, max);

            private void deliver(Object value) {
                if (stopping()) {
                    LOG.debug("event=quiesce-delivery-dropped name={} reason=\"stopping\"", name);
                    return; // lbsync is stopping: the next start reads Consul afresh
                }
                var exchange = createExchange(false);
                exchange.getMessage().setBody(value);
                try {
                    getProcessor().process(exchange);
                } catch (Exception e) {
                    exchange.setException(e);
                }
                if (exchange.getException() instanceof RejectedExecutionException && stopping()) {
                    // the route began stopping between the check above and the run: Camel refused it, no fault
                    LOG.debug("event=quiesce-delivery-dropped name={} reason=\"stopping\"", name);
                } else if (exchange.getException() != null) {
                    getExceptionHandler().handleException("quiesce:" + name, exchange, exchange.getException());
                }
                Duration retry = exchange.getProperty(RETRY_AFTER, Duration.class);
                if (retry != null && !stopping()) {
                    debouncer.retry(listener, retry);
                }
                releaseExchange(exchange, false);
            }

            private boolean stopping() {
                return !isRunAllowed() || getEndpoint().getCamelContext().isStopping();
            }

            @Override
            protected void doStart() throws Exception {
                super.doStart();
                debouncer.addListener(listener);
            }

            @Override
            protected void doStop() throws Exception {
                debouncer.removeListener(listener);
                super.doStop();
            }
        };
    }

    /** Every target's route consumes the same changes. */
    @Override
    public boolean isMultipleConsumersSupported() {
        return true;
    }

    public Duration getMinWait() {
        return minWait;
    }

    /** Quiet period: deliver once no change arrived for this long (lbsync.wait.min). */
    public void setMinWait(Duration minWait) {
        this.minWait = minWait;
    }

    /** null: 4 x minWait. */
    public Duration getMaxWait() {
        return maxWait;
    }

    /** Deliver no later than this after the first pending change (lbsync.wait.max; default 4 x minWait). */
    public void setMaxWait(Duration maxWait) {
        this.maxWait = maxWait;
    }
}
