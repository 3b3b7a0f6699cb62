package io.lbsync.model;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Consul's per-service summary (GET /v1/internal/ui/services, what its web UI lists services with): per service, how many
 * registrations it has and the union of their tags. Compared with what lbsync holds it names the services whose
 * registrations came or went — in one request of ~0.4 KB per service, about a seventh of the full listing
 * ({@link ServiceListing}), which is still read afterwards for changes a count does not show (address, port, meta).
 *
 * @param index the X-Consul-Index of the answer
 */
public record ServiceSummaries(long index, Map<String, Summary> services) {
    public ServiceSummaries {
        services = Map.copyOf(services);
    }

    /** One service: its number of registrations and the union of their tags. */
    public record Summary(int instances, Set<String> tags) {
        public Summary {
            tags = Set.copyOf(tags);
        }
    }

    /**
     * The watched services Consul summarises differently from {@code known}: new ones, a registration more or less, other
     * tags. A held service the summaries leave out is not counted: a service that is gone shows in the catalog watch's
     * own body, and which kinds of service Consul's UI list shows is Consul's choice (1.9 shows sidecar proxies and
     * gateways too, checked on a real agent), not a promise to rely on.
     */
    public Set<String> differingFrom(Map<String, ServiceInstances> known, Predicate<String> watched) {
        Set<String> differ = new TreeSet<>();
        services.forEach((name, summary) -> {
            if (watched.test(name) && !summary.equals(summaryOf(known.get(name)))) {
                differ.add(name);
            }
        });
        return differ;
    }

    private static Summary summaryOf(ServiceInstances known) {
        if (known == null) {
            return null;
        }
        Set<String> tags = new HashSet<>();
        known.instances().forEach(i -> tags.addAll(i.tags()));
        return new Summary(known.instances().size(), tags);
    }
}
