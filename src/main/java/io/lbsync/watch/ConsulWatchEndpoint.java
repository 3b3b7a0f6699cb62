package io.lbsync.watch;

import java.util.Arrays;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** Options of one consul-watch endpoint; see {@link ConsulWatchComponent}. */
public class ConsulWatchEndpoint extends DefaultEndpoint {
    private final String kind;
    private String prefix = "lbsync/";
    private String services = "";
    private String exclude = "consul";
    private String minInterval = "50ms";
    private String backoffInitial = "500ms";
    private String backoffMax = "30s";
    private String indexResetGrace = "60s";

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
    Predicate<String> serviceFilter() {
        Set<String> only = split(services);
        Set<String> excluded = split(exclude);
        return name -> (only.isEmpty() || only.contains(name)) && !excluded.contains(name);
    }

    private static Set<String> split(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    public String getServices() {
        return services;
    }

    /** Comma-separated service names to watch; empty = every service in the catalog. */
    public void setServices(String services) {
        this.services = services;
    }

    public String getExclude() {
        return exclude;
    }

    /** Comma-separated service names never rendered (default: Consul's own "consul" service). */
    public void setExclude(String exclude) {
        this.exclude = exclude;
    }

    public String getMinInterval() {
        return minInterval;
    }

    /** Least time between two requests of one long poll. */
    public void setMinInterval(String minInterval) {
        this.minInterval = minInterval;
    }

    public String getBackoffInitial() {
        return backoffInitial;
    }

    /** First retry delay after an error; doubles per failure. */
    public void setBackoffInitial(String backoffInitial) {
        this.backoffInitial = backoffInitial;
    }

    public String getBackoffMax() {
        return backoffMax;
    }

    /** Cap of the retry delay. */
    public void setBackoffMax(String backoffMax) {
        this.backoffMax = backoffMax;
    }

    public String getIndexResetGrace() {
        return indexResetGrace;
    }

    /**
     * How long Consul must keep answering an X-Consul-Index below the one already acted on before the watch believes
     * the reset (a snapshot restore) and follows it; until then such answers are errors (kind index_reset) and the
     * config stays as it is. An index passing the old one again ends the wait at once.
     */
    public void setIndexResetGrace(String indexResetGrace) {
        this.indexResetGrace = indexResetGrace;
    }
}
