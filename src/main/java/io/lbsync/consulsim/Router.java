package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Path → endpoint, matched like Go's http.ServeMux as Consul uses it: exact paths, and prefixes ending in "/",
 * longest match wins. Each route lists its allowed methods (Consul answers others with 405).
 */
final class Router {
    record Route(String pattern, boolean prefix, Set<String> methods, Endpoint endpoint) {
        boolean matches(String path) {
            return prefix ? path.startsWith(pattern) : path.equals(pattern);
        }
    }

    private final List<Route> routes = new ArrayList<>();

    Router exact(String path, Set<String> methods, Endpoint endpoint) {
        routes.add(new Route(path, false, methods, endpoint));
        return this;
    }

    Router prefix(String path, Set<String> methods, Endpoint endpoint) {
        routes.add(new Route(path, true, methods, endpoint));
        return this;
    }

    Optional<Route> find(String path) {
        Route best = null;
        for (Route r : routes) {
            if (r.matches(path) && (best == null || r.pattern().length() > best.pattern().length())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }
}
