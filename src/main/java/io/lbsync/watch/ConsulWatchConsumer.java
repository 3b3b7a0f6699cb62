package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import io.lbsync.consul.ConsulAgents;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.KvSnapshot;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link CatalogWatcher} (or a {@link KvWatcher}) and turns each changed snapshot into one exchange; a switch of
 * Consul agents ({@link ConsulAgents}) restarts the watcher's long polls on the new agent.
 */
public class ConsulWatchConsumer extends DefaultConsumer {
    /** Header with the Consul index the snapshot was read at. */
    public static final String INDEX_HEADER = io.lbsync.RouteNames.CONSUL_INDEX;
    private static final Logger LOG = LoggerFactory.getLogger(ConsulWatchConsumer.class);

    private final ConsulWatchEndpoint endpoint;
    private Watcher watcher;
    private ConsulResync resync;
    private Runnable resyncHook;
    private ConsulAgents agents;
    private Runnable switchHook;
    private ExecutorService executor;

    public ConsulWatchConsumer(ConsulWatchEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        var camel = getEndpoint().getCamelContext();
        ConsulClientFactory factory = ((ConsulWatchComponent) endpoint.getComponent()).clientFactory();
        ConsulSettings consul = factory.settings();
        WatchOptions options = new WatchOptions(consul.blockingWait(),
                endpoint.getMinInterval(),
                endpoint.getBackoffInitial(),
                endpoint.getBackoffMax(),
                endpoint.getIndexResetGrace(),
                endpoint.serviceFilter(),
                endpoint.getDatacenter());
        WatchHealth health = camel.getRegistry().findSingleByType(WatchHealth.class);
        ConsulReader reader = endpoint.getDatacenter().isEmpty() ? new ConsulReader(factory)
                : new ConsulReader(factory, java.util.Optional.of(endpoint.getDatacenter()));
        WatchHealth watchHealth = health != null ? health : new WatchHealth();
        watcher = "kv".equals(endpoint.getKind())
                ? new KvWatcher(reader, endpoint.getPrefix(), options, this::deliverKv, watchHealth)
                : new CatalogWatcher(reader, options, this::deliver, watchHealth);
        executor = camel.getExecutorServiceManager().newCachedThreadPool(this, "consul-watch");
        agents = factory.agents();
        switchHook = watcher::agentSwitched;
        agents.addListener(switchHook);
        watcher.start(executor);
        resync = camel.getRegistry().findSingleByType(ConsulResync.class);
        if (resync != null) {
            resyncHook = watcher::resync;
            resync.register(resyncHook);
        }
        LOG.info("event=watch-started consul={} uri={}", ConsulAgents.forDisplay(agents.current()), endpoint.getEndpointUri());
    }

    private void deliver(CatalogSnapshot snapshot) {
        LOG.info("event=consul-change index={} services={} instances={}", snapshot.index(), snapshot.services().size(),
                snapshot.instanceCount());
        process(snapshot, snapshot.index());
    }

    private void deliverKv(KvSnapshot snapshot) {
        LOG.info("event=kv-change index={} prefix={} keys={}", snapshot.index(), snapshot.prefix(), snapshot.entries().size());
        process(snapshot, snapshot.index());
    }

    private void process(Object snapshot, long index) {
        Exchange exchange = createExchange(false);
        try {
            exchange.getMessage().setBody(snapshot);
            exchange.getMessage().setHeader(INDEX_HEADER, index);
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        if (exchange.getException() instanceof RejectedExecutionException && stopping()) {
            // the route began stopping while this snapshot was on its way: Camel refused it, no fault
            LOG.debug("event=watch-delivery-dropped uri={} reason=\"stopping\"", getEndpoint().getEndpointUri());
        } else if (exchange.getException() != null) {
            getExceptionHandler().handleException("Error processing Consul snapshot", exchange, exchange.getException());
        }
        releaseExchange(exchange, false);
    }

    private boolean stopping() {
        return !isRunAllowed() || getEndpoint().getCamelContext().isStopping();
    }

    @Override
    protected void doStop() throws Exception {
        if (watcher != null) {
            if (resync != null) {
                resync.unregister(resyncHook);
            }
            agents.removeListener(switchHook);
            watcher.stop();
        }
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownNow(executor);
        }
        super.doStop();
    }
}
