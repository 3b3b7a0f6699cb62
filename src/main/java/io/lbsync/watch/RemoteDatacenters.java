package io.lbsync.watch;

import io.lbsync.config.DatacenterList;
import io.lbsync.consul.ConsulAnswers;
import io.lbsync.consul.ConsulClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datacenters lbsync serves from (lbsync.consul.datacenters), in order, the local one first, and one watch route per
 * other datacenter: the route template "remote-datacenter-watch" of routes/consul-watch.yaml, route id
 * consul-catalog-watch-&lt;dc&gt;. Each is the same watch as the local one (its own long polls, reads and retries), so
 * a datacenter that fails only keeps its own last snapshot and never holds up another.
 */
public final class RemoteDatacenters {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteDatacenters.class);
    public static final String ROUTE_TEMPLATE = "remote-datacenter-watch";
    /** "nearest" needs Consul at start: how long lbsync tries before it gives up starting. */
    private static final Duration RESOLVE_FOR = Duration.ofSeconds(60);

    private final List<String> order;

    private RemoteDatacenters(List<String> order) {
        this.order = List.copyOf(order);
    }

    /** The order to serve from: the list as configured, or with "nearest" as Consul estimates it now. */
    public static RemoteDatacenters resolve(DatacenterList list, ConsulClient consul) {
        if (!list.nearest()) {
            return new RemoteDatacenters(list.names());
        }
        long deadline = System.nanoTime() + RESOLVE_FOR.toNanos();
        while (true) {
            try {
                String own = consul.get("/v1/agent/self").requireOk().json().path("Config").path("Datacenter").asText();
                List<String> byDistance = new ArrayList<>();
                ConsulAnswers.array(consul.get("/v1/catalog/datacenters").requireOk()).forEach(dc -> byDistance.add(dc.asText()));
                List<String> order = list.resolve(own, byDistance);
                LOG.info("event=datacenters-resolved property={} order={}", DatacenterList.PROPERTY, String.join(",", order));
                return new RemoteDatacenters(order);
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(DatacenterList.PROPERTY + "=nearest: cannot ask Consul for its datacenters: "
                            + e.getMessage(), e);
                }
                LOG.warn("event=datacenters-unresolved property={} retry_in_ms=2000 error=\"{}\"", DatacenterList.PROPERTY,
                        WatchHealth.describe(e));
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resolving " + DatacenterList.PROPERTY, e);
        }
    }

    /** Local first; empty when only the agent's own datacenter is served. */
    public List<String> order() {
        return order.size() < 2 ? List.of() : order;
    }

    /** One watch route per datacenter after the first. */
    public void addWatchRoutes(CamelContext camel) throws Exception {
        for (String dc : order().stream().skip(1).toList()) {
            TemplatedRouteBuilder.builder(camel, ROUTE_TEMPLATE).routeId("consul-catalog-watch-" + dc).parameter("datacenter", dc).add();
        }
    }
}
