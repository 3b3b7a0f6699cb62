package io.lbsync.quiesce;

import io.lbsync.config.Durations;
import java.time.Duration;
import org.apache.camel.Consumer;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;

/** See {@link QuiesceComponent}. minWait/maxWait are set on the consuming side. */
public class QuiesceEndpoint extends DefaultEndpoint implements MultipleConsumersSupport {
    /** Exchange property (a Duration) a consumer's route sets to have the same value delivered to it again later. */
    public static final String RETRY_AFTER = io.lbsync.RouteNames.RETRY_AFTER;
    private final String name;
    private String minWait = "0ms";
    private String maxWait = "";

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

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        Duration min = Durations.parse("minWait", minWait);
        Duration max = maxWait.isBlank() ? min.multipliedBy(4) : Durations.parse("maxWait", maxWait);
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("quiesce:" + name + ": maxWait (" + maxWait + ") is shorter than minWait (" + minWait + ")");
        }
        return new DefaultConsumer(this, processor) {
            private final java.util.function.Consumer<Object> listener = this::deliver;
            private final Debouncer debouncer = component().debouncer(name, min, max);

            private void deliver(Object value) {
                var exchange = createExchange(false);
                exchange.getMessage().setBody(value);
                try {
                    getProcessor().process(exchange);
                } catch (Exception e) {
                    exchange.setException(e);
                }
                if (exchange.getException() != null) {
                    getExceptionHandler().handleException("quiesce:" + name, exchange, exchange.getException());
                }
                Duration retry = exchange.getProperty(RETRY_AFTER, Duration.class);
                if (retry != null) {
                    debouncer.retry(listener, retry);
                }
                releaseExchange(exchange, false);
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

    public String getMinWait() {
        return minWait;
    }

    /** Quiet period: deliver once no change arrived for this long (lbsync.wait.min). */
    public void setMinWait(String minWait) {
        this.minWait = minWait;
    }

    public String getMaxWait() {
        return maxWait;
    }

    /** Deliver no later than this after the first pending change (lbsync.wait.max; default 4 x minWait). */
    public void setMaxWait(String maxWait) {
        this.maxWait = maxWait;
    }
}
