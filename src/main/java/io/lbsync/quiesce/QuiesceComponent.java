package io.lbsync.quiesce;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code quiesce:name} — "wait until Consul is quiet". A route sends changes to {@code to: quiesce:name};
 * routes reading {@code from: quiesce:name?minWait=..&maxWait=..} get the latest one after the quiet period.
 * Every consumer of one name gets every delivery, independently.
 */
public class QuiesceComponent extends DefaultComponent {
    private final Map<String, Debouncer> debouncers = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining.isBlank()) {
            throw new IllegalArgumentException("quiesce: a name is required, e.g. quiesce:consul-changes (" + uri + ")");
        }
        QuiesceEndpoint endpoint = new QuiesceEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    synchronized Debouncer debouncer(String name) {
        if (scheduler == null) {
            scheduler = getCamelContext().getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "quiesce");
        }
        return debouncers.computeIfAbsent(name, n -> new Debouncer(scheduler,
                () -> getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this, "quiesce-" + n)));
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (scheduler != null) {
            getCamelContext().getExecutorServiceManager().shutdownNow(scheduler);
            scheduler = null;
        }
        debouncers.clear();
        super.doStop();
    }
}
