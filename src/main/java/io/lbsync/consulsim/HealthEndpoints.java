package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** /v1/health/*: service instances with their checks, and checks by service, state or node. */
final class HealthEndpoints {
    private static final Set<String> GET = Set.of("GET");

    private final Cluster cluster;

    HealthEndpoints(Cluster cluster) {
        this.cluster = cluster;
    }

    void addTo(Router r) {
        r.prefix("/v1/health/service/", GET, this::service)
                .prefix("/v1/health/checks/", GET, this::serviceChecks)
                .prefix("/v1/health/state/", GET, this::state)
                .prefix("/v1/health/node/", GET, this::node);
    }

    private ApiResponse service(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String name = req.pathAfter("/v1/health/service/");
        if (name.isEmpty()) {
            throw ApiException.badRequest("Missing service name");
        }
        boolean passingOnly = req.boolParam("passing", "Invalid value for ?passing");
        List<String> tags = req.params("tag");
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<Object> out = new ArrayList<>();
            if (policy.service().canRead() && policy.node().canRead()) {
                for (CatalogService s : catalog.instances(name)) {
                    List<CatalogCheck> checks = catalog.healthChecksOf(s);
                    boolean passing = checks.stream().allMatch(c -> c.status().equals(CatalogCheck.PASSING));
                    if (s.tags().containsAll(tags) && (!passingOnly || passing)) {
                        catalog.node(s.node()).ifPresent(n -> out.add(JsonShapes.healthEntry(n, s, checks)));
                    }
                }
            }
            return QueryResult.of(catalog.serviceIndex(name, true), out);
        });
    }

    private ApiResponse serviceChecks(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String name = req.pathAfter("/v1/health/checks/");
        if (name.isEmpty()) {
            throw ApiException.badRequest("Missing service name");
        }
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<CatalogCheck> out = new ArrayList<>();
            if (policy.service().canRead()) {
                catalog.allChecks().stream().filter(c -> c.serviceName().equals(name)).forEach(out::add);
            }
            return QueryResult.of(catalog.checksIndex(), JsonShapes.checks(out));
        });
    }

    private ApiResponse state(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String state = req.pathAfter("/v1/health/state/");
        if (state.isEmpty()) {
            throw ApiException.badRequest("Missing check state");
        }
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        java.util.function.Predicate<CatalogCheck> filter = FieldFilter.parse(req.param("filter"), FieldFilter.CHECKS);
        return cluster.blocking.respond(req, () -> {
            List<CatalogCheck> out = new ArrayList<>();
            for (CatalogCheck c : catalog.allChecks()) {
                boolean readable = c.isNodeCheck() ? policy.node().canRead() : policy.service().canRead() && policy.node().canRead();
                if (readable && (state.equals("any") || c.status().equals(state)) && filter.test(c)) {
                    out.add(c);
                }
            }
            return QueryResult.of(catalog.checksIndex(), JsonShapes.checks(out));
        });
    }

    private ApiResponse node(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException {
        String node = req.pathAfter("/v1/health/node/");
        if (node.isEmpty()) {
            throw ApiException.badRequest("Missing node name");
        }
        TokenPolicy policy = req.policy();
        Catalog catalog = cluster.catalog;
        return cluster.blocking.respond(req, () -> {
            List<CatalogCheck> out = new ArrayList<>();
            if (policy.node().canRead()) {
                for (CatalogCheck c : catalog.checksOn(node)) {
                    if (c.isNodeCheck() || policy.service().canRead()) {
                        out.add(c);
                    }
                }
            }
            return QueryResult.of(catalog.checksIndex(), JsonShapes.checks(out));
        });
    }
}
