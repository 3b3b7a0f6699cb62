package io.lbsync.watch;

import io.lbsync.model.CheckState;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.ServiceListing;
import io.lbsync.model.ServiceSummaries;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link CatalogWatcher} reads from Consul (like consul-template's watch view): the two bodies it long-polls and
 * one service's instances. {@link ConsulReader} reads them over HTTP; tests use an in-memory fake.
 * <p>
 * Failures are thrown: a failure that concerns one service alone ({@link ServiceReadFailures}) isolates that service,
 * any other holds the snapshot back.
 */
public interface CatalogSource {
    /** GET /v1/catalog/services: service name → tags; blocks while {@code index} is current, up to {@code wait}. */
    Reading<Map<String, List<String>>> services(long index, Duration wait);

    /** GET /v1/health/state/any, only the checks not passing; blocks like {@link #services} (on any check change). */
    Reading<List<CheckState>> checks(long index, Duration wait);

    /** GET /v1/health/service/:name without blocking: the registrations of exactly this service. */
    ServiceInstances service(String name);

    /** GET /v1/internal/ui/nodes without blocking: every registration's ModifyIndex, to find what changed. */
    ServiceListing listing();

    /**
     * GET /v1/internal/ui/services without blocking: per service, its number of registrations and its tags.
     *
     * @param only the services wanted (empty = all); the answer may hold others too
     */
    ServiceSummaries summaries(Set<String> only);
}
