package io.lbsync.quiesce;

import io.lbsync.config.EndpointOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code quiesce:name} — "wait until Consul is quiet". A route sends changes to {@code to: quiesce:name};
 * routes reading {@code from: quiesce:name?minWait=..&maxWait=..} get the latest one after the quiet period.
 * Every consumer of one name gets every delivery, independently, with its own quiet period: consumers with the same
 * settings share one debouncer, those with other settings have their own (one per name and minWait/maxWait).
 */
public class QuiesceComponent extends DefaultComponent {
    /** One debouncer per name and settings. */
    private record Key(String name, Duration min, Duration max) {
    }

    private final Map<Key, Debouncer> debouncers = new ConcurrentHashMap<>();
    /** The latest value signalled per name: a debouncer made later (a route started later) starts from it. */
    private final Map<String, Object> latest = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining.isBlank()) {
            throw new IllegalArgumentException("quiesce: a name is required, e.g. quiesce:consul-changes (" + uri + ")");
        }
        QuiesceEndpoint endpoint = new QuiesceEndpoint(uri, this, remaining);
        EndpointOptions.convert(QuiesceEndpoint.class, "quiesce:" + remaining, parameters);
        setProperties(endpoint, parameters);
        endpoint.validateOptions();
        return endpoint;
    }

    /** The debouncer of the consumers of {@code name} with these settings. */
    synchronized Debouncer debouncer(String name, Duration min, Duration max) {
        if (scheduler == null) {
            scheduler = getCamelContext().getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "quiesce");
        }
        return debouncers.computeIfAbsent(new Key(name, min, max), k -> {
            Debouncer d = new Debouncer(scheduler,
                    () -> getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this, "quiesce-" + name));
            d.configure(min, max);
            d.seed(latest.get(name));
            return d;
        });
    }

    /** A change sent to {@code name}: every debouncer of that name gets it. */
    synchronized void signal(String name, Object value) {
        if (value != null) {
            latest.put(name, value);
        }
        debouncers.forEach((key, d) -> {
            if (key.name().equals(name)) {
                d.signal(value);
            }
        });
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (scheduler != null) {
            getCamelContext().getExecutorServiceManager().shutdownNow(scheduler);
            scheduler = null;
        }
        debouncers.clear();
        latest.clear();
        super.doStop();
    }
}
