package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import org.kiwiproject.consul.Consul;

/**
 * The kiwiproject client to use now. Its token header is fixed when it is built, so after the token changed
 * (a rotated lbsync.consul.token-file) the next call gets a new client; calls still running on the old one fail
 * and are retried like any Consul error.
 */
public final class ConsulClients implements AutoCloseable {
    private final ConsulSettings settings;
    private Consul client;
    private long tokenVersion;

    public ConsulClients(ConsulSettings settings) {
        this.settings = settings;
    }

    public synchronized Consul get() {
        long version = settings.token().version();
        if (client == null || version != tokenVersion) {
            Consul old = client;
            client = ConsulClientFactory.create(settings);
            tokenVersion = version;
            if (old != null) {
                old.destroy();
            }
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.destroy();
            client = null;
        }
    }
}
