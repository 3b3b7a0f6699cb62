package io.lbsync.watch;

import io.lbsync.config.EndpointOptions;
import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * A consumer of Consul blocking queries that emits an immutable snapshot each time the watched data really changed:
 * {@code consul-watch:catalog[?services=web,api&exclude=consul]} → {@link io.lbsync.model.CatalogSnapshot},
 * {@code consul-watch:kv?prefix=lbsync/} → {@link io.lbsync.model.KvSnapshot}.
 * Connection settings come from the lbsync.consul.* properties.
 */
public class ConsulWatchComponent extends DefaultComponent {
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
