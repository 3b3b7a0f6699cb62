package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import io.lbsync.config.EndpointOptions;
import io.lbsync.config.Settings;
import io.lbsync.consul.ConsulClientFactory;
import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * A consumer of Consul blocking queries that emits an immutable snapshot each time the watched data really changed:
 * {@code consul-watch:catalog[?services=web,api&exclude=consul]} → {@link io.lbsync.model.CatalogSnapshot},
 * {@code consul-watch:kv?prefix=lbsync/} → {@link io.lbsync.model.KvSnapshot}.
 * Connection settings come from the lbsync.consul.* properties; the Consul client from the process's one
 * {@link ConsulClientFactory}: the component's {@code clientFactory} property, else the one bean of that type in the
 * registry (LbsyncConfiguration binds it), else one the component builds itself (and closes when it stops).
 */
public class ConsulWatchComponent extends DefaultComponent {
    private ConsulClientFactory clientFactory;
    private ConsulClientFactory ownFactory;

    public ConsulClientFactory getClientFactory() {
        return clientFactory;
    }

    /** The Consul client factory the watches read through. */
    public void setClientFactory(ConsulClientFactory clientFactory) {
        this.clientFactory = clientFactory;
    }

    /** The factory to use: set, bound in the registry, or the component's own. */
    synchronized ConsulClientFactory clientFactory() {
        if (clientFactory != null) {
            return clientFactory;
        }
        ConsulClientFactory bound = getCamelContext().getRegistry().findSingleByType(ConsulClientFactory.class);
        if (bound != null) {
            return bound;
        }
        if (ownFactory == null) {
            ownFactory = ConsulClientFactory.create(ConsulSettings.from(new Settings(getCamelContext().getPropertiesComponent()::resolveProperty)));
        }
        return ownFactory;
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (ownFactory != null) {
            ownFactory.close();
            ownFactory = null;
        }
        super.doStop();
    }
    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (!"catalog".equals(remaining) && !"kv".equals(remaining)) {
            throw new IllegalArgumentException("consul-watch: unknown watch '" + remaining + "' in " + uri
                    + " (supported: consul-watch:catalog, consul-watch:kv?prefix=...)");
        }
        ConsulWatchEndpoint endpoint = new ConsulWatchEndpoint(uri, this, remaining);
        EndpointOptions.convert(ConsulWatchEndpoint.class, "consul-watch:" + remaining, parameters);
        setProperties(endpoint, parameters);
        endpoint.validateOptions();
        return endpoint;
    }
}
