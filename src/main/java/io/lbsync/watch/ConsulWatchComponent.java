package io.lbsync.watch;

import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code consul-watch:catalog[?services=web,api&exclude=consul]} — a consumer of Consul blocking queries that
 * emits an immutable {@link io.lbsync.model.CatalogSnapshot} each time the watched data really changed.
 * Connection settings come from the lbsync.consul.* properties.
 */
public class ConsulWatchComponent extends DefaultComponent {
    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (!"catalog".equals(remaining)) {
            throw new IllegalArgumentException("consul-watch: unknown watch '" + remaining + "' in " + uri
                    + " (supported: consul-watch:catalog)");
        }
        ConsulWatchEndpoint endpoint = new ConsulWatchEndpoint(uri, this);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
