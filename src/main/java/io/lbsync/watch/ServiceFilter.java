package io.lbsync.watch;

import java.util.Set;
import java.util.function.Predicate;

/**
 * Which services a catalog watch serves: the named ones (none named = every service in the catalog), less the excluded.
 * The named set is also handed to Consul where an endpoint can filter by it, so a watch of a few services in a large
 * catalog is not sent the whole catalog's summaries after every registration change.
 *
 * @param only     the services to watch; empty = all
 * @param excluded services never watched
 */
public record ServiceFilter(Set<String> only, Set<String> excluded) implements Predicate<String> {
    /** Every service. */
    public static final ServiceFilter ALL = new ServiceFilter(Set.of(), Set.of());

    public ServiceFilter {
        only = Set.copyOf(only);
        excluded = Set.copyOf(excluded);
    }

    @Override
    public boolean test(String name) {
        return (only.isEmpty() || only.contains(name)) && !excluded.contains(name);
    }
}
