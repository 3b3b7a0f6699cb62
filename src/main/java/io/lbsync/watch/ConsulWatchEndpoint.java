package io.lbsync.watch;

import io.lbsync.config.EndpointOptions;
import java.time.Duration;
import java.util.Set;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/** Options of one consul-watch endpoint; see {@link ConsulWatchComponent}. */
@UriEndpoint(scheme = "consul-watch", title = "Consul watch", syntax = "consul-watch:kind", consumerOnly = true,
        category = Category.CLOUD)
public class ConsulWatchEndpoint extends DefaultEndpoint {
    @UriPath(enums = "catalog,kv", description = "What to watch: the catalog (services and health) or a K/V prefix")
    @Metadata(required = true)
    private final String kind;
    @UriParam(defaultValue = "lbsync/", description = "K/V prefix watched recursively by consul-watch:kv")
    private String prefix = "lbsync/";
    @UriParam(description = "Comma-separated service names to watch; empty = every service in the catalog")
    private Set<String> services = Set.of();
    @UriParam(defaultValue = "consul", description = "Comma-separated service names never rendered")
    private Set<String> exclude = Set.of("consul");
    @UriParam(defaultValue = "50ms", description = "Least time between two requests of one long poll")
    private Duration minInterval = Duration.ofMillis(50);
    @UriParam(defaultValue = "500ms", description = "First retry delay after an error; doubles per failure")
    private Duration backoffInitial = Duration.ofMillis(500);
    @UriParam(defaultValue = "30s", description = "Cap of the retry delay")
    private Duration backoffMax = Duration.ofSeconds(30);
    @UriParam(defaultValue = "60s", description = "How long an index below the one acted on must persist to be followed")
    private Duration indexResetGrace = Duration.ofSeconds(60);
    @UriParam(description = "Another datacenter to watch (its instances are backup servers); empty = the local one")
    private String datacenter = "";

    public ConsulWatchEndpoint(String uri, ConsulWatchComponent component, String kind) {
        super(uri, component);
        this.kind = kind;
    }

    /** "catalog" or "kv". */
    public String getKind() {
        return kind;
    }

    public String getPrefix() {
        return prefix;
    }

    /** K/V prefix watched recursively by consul-watch:kv (a trailing '/' is added when missing). */
    public void setPrefix(String prefix) {
        String p = prefix.startsWith("/") ? prefix.substring(1) : prefix;
        this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    public String getDatacenter() {
        return datacenter;
    }

    /** A datacenter name as Consul spells them (letters, digits, '-', '_', '.'); empty = the local datacenter. */
    public void setDatacenter(String datacenter) {
        String dc = datacenter == null ? "" : datacenter.strip();
        if (!dc.isEmpty() && !dc.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("consul-watch: datacenter '" + dc + "' is not a datacenter name");
        }
        this.datacenter = dc;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("consul-watch only consumes: use it in 'from'");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        Consumer consumer = new ConsulWatchConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    /** Which services to watch: empty (all) or a comma-separated list of names. */
    ServiceFilter serviceFilter() {
        return new ServiceFilter(services, exclude);
    }

    /** Refuses a zero first retry delay (a busy loop against Consul) and a cap below it; called at creation. */
    void validateOptions() {
        String endpoint = "consul-watch:" + kind;
        if (backoffInitial.isZero()) {
            throw new IllegalArgumentException(endpoint + ": backoffInitial must be longer than 0 (0ms given)");
        }
        EndpointOptions.requireNotShorter(endpoint, "backoffMax", backoffMax, "backoffInitial", backoffInitial);
    }

    public Set<String> getServices() {
        return services;
    }

    /** Comma-separated service names to watch; empty = every service in the catalog. */
    public void setServices(Set<String> services) {
        this.services = Set.copyOf(services);
    }

    public Set<String> getExclude() {
        return exclude;
    }

    /** Comma-separated service names never rendered (default: Consul's own "consul" service). */
    public void setExclude(Set<String> exclude) {
        this.exclude = Set.copyOf(exclude);
    }

    public Duration getMinInterval() {
        return minInterval;
    }

    /** Least time between two requests of one long poll. */
    public void setMinInterval(Duration minInterval) {
        this.minInterval = minInterval;
    }

    public Duration getBackoffInitial() {
        return backoffInitial;
    }

    /** First retry delay after an error; doubles per failure. */
    public void setBackoffInitial(Duration backoffInitial) {
        this.backoffInitial = backoffInitial;
    }

    public Duration getBackoffMax() {
        return backoffMax;
    }

    /** Cap of the retry delay. */
    public void setBackoffMax(Duration backoffMax) {
        this.backoffMax = backoffMax;
    }

    public Duration getIndexResetGrace() {
        return indexResetGrace;
    }

    /**
     * How long Consul must keep answering an X-Consul-Index below the one already acted on before the watch believes
     * the reset (a snapshot restore) and follows it; until then such answers are errors (kind index_reset) and the
     * config stays as it is. An index passing the old one again ends the wait at once.
     */
    public void setIndexResetGrace(Duration indexResetGrace) {
        this.indexResetGrace = indexResetGrace;
    }
}
