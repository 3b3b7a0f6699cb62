package io.lbsync.render;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import io.lbsync.render.RejectedValues.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Turns a {@link ConsulState} into the immutable data model templates see (documented in docs/templates.md).
 * Every value in it is already safe to write into a config: identifiers sanitised and unique, addresses and
 * ports validated, host names checked. An instance with an invalid address or port is left out, and so is an
 * invalid host name or K/V site; each is logged once and counted in {@link RejectedValues}.
 * An instance that declares an environment (tag env=...) is only in "environments", never in "services"
 * ({@link Environments}).
 *
 * <p>The values as Consul returned them are only in the model when the operator opts in
 * ({@code lbsync.<target>.allow-raw-values=true}): then {@code service.raw}, {@code server.raw} and {@code site.raw}
 * exist; otherwise a template that uses them fails to render.
 */
public final class TemplateModelBuilder {
    /** Tag prefix of the Host routing convention: tag "lbsync.host=shop.example.com". */
    public static final String HOST_TAG = "lbsync.host=";
    /** Meta key of the Host routing convention: meta lbsync-host = "shop.example.com,www.example.com". */
    public static final String HOST_META = "lbsync-host";

    /** Name the bundled templates use for "no service for this host"; never given to a service. */
    public static final String NO_ROUTE_BACKEND = "lbsync_no_route";

    /** HAProxy's largest server weight; Consul's weights are scaled into 0..256 per backend when larger. */
    static final int MAX_WEIGHT = 256;

    /** The keys of a server of the model (docs/templates.md), in the order templates see them. */
    private static final PrewrappedHash.Shape SERVER = new PrewrappedHash.Shape("name", "id", "node", "address", "port",
            "endpoint", "ip", "weight", "state", "datacenter", "backup");
    private static final PrewrappedHash.Shape SERVER_WITH_RAW = SERVER.plus("raw");
    /** server.raw: the registration as Consul returned it. */
    private static final PrewrappedHash.Shape RAW_SERVER = new PrewrappedHash.Shape("service", "id", "node", "nodeAddress",
            "address", "port", "tags", "meta");
    /** A service of the model. */
    private static final PrewrappedHash.Shape SERVICE = new PrewrappedHash.Shape("name", "backend", "hosts", "servers",
            "instanceCount", "passingCount");
    private static final PrewrappedHash.Shape SERVICE_WITH_RAW = SERVICE.plus("raw");
    private static final PrewrappedHash.Shape RAW_SERVICE = new PrewrappedHash.Shape("name");

    private final SiteParser siteParser = new SiteParser();
    private final RejectedValues rejected;
    private final WarningPolicy warningPolicy;
    /**
     * Backend → its entry of the last build. A change touches one service or a few: the others' entries are reused, so
     * a build costs O(changed instances), not O(catalog) (issue 15: 4,000 instances took ~40 ms per change).
     */
    private Map<String, ServiceEntry> lastEntries = Map.of();
    /** Splits the catalog by environment, reusing the unchanged services' parts of the last split. */
    private final Environments.Splitter splitter = new Environments.Splitter();

    /** Reports rejected values to {@link RejectedValues#shared()}; warning instances served (the default policy). */
    public TemplateModelBuilder() {
        this(WarningPolicy.SERVE);
    }

    public TemplateModelBuilder(WarningPolicy warningPolicy) {
        this(RejectedValues.shared(), warningPolicy);
    }

    public TemplateModelBuilder(RejectedValues rejected, WarningPolicy warningPolicy) {
        this.rejected = rejected;
        this.warningPolicy = warningPolicy;
    }

    /** @param params the operator's template parameters (lbsync.&lt;target&gt;.param.* properties) */
    public Map<String, Object> build(ConsulState state, TemplateParams params) {
        return build(state, params, DrainPlan.NONE);
    }

    /** @param drains registrations rendered with weight 0 while they drain (HAProxy with the runtime API) */
    public Map<String, Object> build(ConsulState state, TemplateParams params, DrainPlan drains) {
        Failover.Selection selection = Failover.select(state, warningPolicy);
        Render render = new Render(new RejectedValues.Collector(), params.allowRawValues(), drains, selection, lastEntries);
        UniqueNames backendNames = new UniqueNames();
        backendNames.claim(NO_ROUTE_BACKEND);
        List<Map<String, Object>> services = new ArrayList<>();
        Map<String, String> backendsByService = new HashMap<>();
        // instances that declare an environment (tag env=...) are rendered only under "environments"
        Environments.Split split = splitter.split(withDeparted(selection.catalog(), drains.departed()), render.rejections);
        for (ServiceInstances service : split.shared().values()) {
            String backend = backendNames.claim(SafeValues.identifier(service.service()));
            backendsByService.put(service.service(), backend);
            services.add(render.service(service, backend));
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("services", List.copyOf(services));
        model.put("environments", Environments.model(split, backendNames, render::service));
        model.put("envDeclaringServices", split.declaring());
        model.put("sites", render.sites(state, backendsByService));
        model.put("param", params);
        rejected.report(params.target(), render.rejections.rejections());
        drains.built();
        lastEntries = render.entries;
        return Collections.unmodifiableMap(model);
    }

    /** The catalog with the drained-out registrations put back (as critical: they are not passing any more). */
    private static CatalogSnapshot withDeparted(CatalogSnapshot catalog, Collection<ServiceInstance> departed) {
        if (departed.isEmpty()) {
            return catalog;
        }
        Map<String, List<ServiceInstance>> merged = new HashMap<>();
        for (ServiceInstance gone : departed) {
            merged.computeIfAbsent(gone.service(), name -> {
                ServiceInstances now = catalog.services().get(name);
                return now == null ? new ArrayList<>() : new ArrayList<>(now.instances());
            }).add(gone.withStatus(HealthStatus.CRITICAL));
        }
        Map<String, ServiceInstances> services = new HashMap<>(catalog.services()); // the others unchanged (and reused)
        merged.forEach((name, instances) -> {
            ServiceInstances before = catalog.services().get(name);
            services.put(name, new ServiceInstances(name, before == null ? catalog.index() : before.index(), instances));
        });
        return CatalogSnapshot.of(catalog.index(), services);
    }

    /** One render: where its rejections go, whether raw values are wanted, which registrations drain. */
    private final class Render {
        private final RejectedValues.Collector rejections;
        private final boolean raw;
        private final DrainPlan drains;
        private final Failover.Selection failover;
        private final Map<String, ServiceEntry> previous;
        /** This build's entries, by backend: the next build's {@code previous}. */
        final Map<String, ServiceEntry> entries = new HashMap<>();

        Render(RejectedValues.Collector rejections, boolean raw, DrainPlan drains, Failover.Selection failover,
               Map<String, ServiceEntry> previous) {
            this.rejections = rejections;
            this.raw = raw;
            this.drains = drains;
            this.failover = failover;
            this.previous = previous;
        }

        /**
         * One service's entry of the model: the last build's when its inputs are the same (its rejections and drain
         * placements replayed), else built anew.
         */
        Map<String, Object> service(ServiceInstances service, String backend) {
            ServiceInputs inputs = new ServiceInputs(service.instances(), drainingOf(service),
                    failover.primary().get(service.service()), raw);
            ServiceEntry entry = previous.get(backend);
            if (entry == null || !entry.inputs().equals(inputs)) {
                RejectedValues.Collector own = new RejectedValues.Collector();
                List<Placement> placements = new ArrayList<>();
                Map<String, Object> model = build(service, backend, own,
                        (instance, server) -> placements.add(new Placement(instance, server)));
                entry = new ServiceEntry(inputs, model, List.copyOf(own.rejections()), List.copyOf(placements));
            }
            entries.put(backend, entry);
            rejections.addAll(entry.rejections());
            for (Placement p : entry.placements()) {
                drains.placed(p.instance(), backend, p.server());
            }
            return entry.model();
        }

        /** Which of the service's registrations drain (null when none: the common case needs no list). */
        private List<Boolean> drainingOf(ServiceInstances service) {
            List<Boolean> draining = null;
            List<ServiceInstance> instances = service.instances();
            for (int i = 0; i < instances.size(); i++) {
                if (drains.draining(instances.get(i))) {
                    if (draining == null) {
                        draining = new ArrayList<>(Collections.nCopies(instances.size(), false));
                    }
                    draining.set(i, true);
                }
            }
            return draining;
        }

        List<Map<String, Object>> sites(ConsulState state, Map<String, String> backendsByService) {
            List<Map<String, Object>> sites = new ArrayList<>();
            for (SiteParser.Site site : siteParser.parse(state.kv(), rejections)) {
                List<Map<String, Object>> routes = new ArrayList<>();
                site.routes().forEach((path, service) -> {
                    Map<String, Object> route = new LinkedHashMap<>();
                    route.put("path", path);
                    route.put("service", SafeValues.identifier(service));
                    // absent when no such service is registered: the template answers 503 for that path
                    String backend = backendsByService.get(service);
                    if (backend != null) {
                        route.put("backend", backend);
                    }
                    routes.add(Collections.unmodifiableMap(route));
                });
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", site.name());
                m.put("serverNames", site.serverNames());
                m.put("listen", site.listen());
                m.put("routes", List.copyOf(routes));
                if (raw) {
                    m.put("raw", Map.of("key", site.key(), "value", site.value()));
                }
                sites.add(Collections.unmodifiableMap(m));
            }
            return List.copyOf(sites);
        }

        private Map<String, Object> build(ServiceInstances service, String backend, RejectedValues.Collector rejections,
                                          BiConsumer<ServiceInstance, String> placed) {
            List<ServiceInstance> passing = service.passing();
            TreeSet<String> hosts = new TreeSet<>();
            // found once per service: a per-instance scan would be quadratic in large services
            Set<String> duplicateIds = duplicateIds(service.instances());
            List<Served> served = new ArrayList<>();
            int maxWeight = 0;
            for (ServiceInstance instance : service.instances()) {
                boolean draining = drains.draining(instance);
                if (!draining && !warningPolicy.serves(instance.status())) {
                    continue;
                }
                Optional<String> address = SafeValues.address(instance.address());
                if (address.isEmpty()) {
                    reject(rejections, Field.ADDRESS, "instance-rejected", instance, instance.address(), "invalid address");
                    continue;
                }
                if (!SafeValues.validPort(instance.port())) {
                    reject(rejections, Field.PORT, "instance-rejected", instance, Integer.toString(instance.port()),
                            "invalid port " + instance.port());
                    continue;
                }
                if (!draining) {
                    hosts.addAll(hostsOf(instance, rejections)); // a draining instance's names must not keep a route alive
                }
                int weight = draining ? 0 : warningPolicy.weight(instance);
                maxWeight = Math.max(maxWeight, weight);
                served.add(new Served(instance, address.get(), weight, draining, failover.backup(instance)));
            }
            UniqueNames serverNames = new UniqueNames();
            List<Map<String, Object>> servers = new ArrayList<>();
            for (Served s : served) {
                Map<String, Object> server = server(s, scaled(s.weight(), maxWeight), serverNames,
                        duplicateIds.contains(s.instance().id()), raw ? rawInstance(s.instance()) : null);
                placed.accept(s.instance(), (String) server.get("name"));
                servers.add(server);
            }
            String name = SafeValues.identifier(service.service());
            if (raw) {
                return SERVICE_WITH_RAW.of(name, backend, List.copyOf(hosts), List.copyOf(servers), service.instances().size(),
                        passing.size(), RAW_SERVICE.of(service.service()));
            }
            return SERVICE.of(name, backend, List.copyOf(hosts), List.copyOf(servers), service.instances().size(), passing.size());
        }
    }

    /** Everything a service's model entry is made of besides the builder's fixed settings (its backend is the key). */
    private record ServiceInputs(List<ServiceInstance> instances, List<Boolean> draining, String primaryDatacenter, boolean raw) {
    }

    /** A service's model entry with what building it reported: replayed whenever the entry is reused. */
    private record ServiceEntry(ServiceInputs inputs, Map<String, Object> model, List<RejectedValues.Rejection> rejections,
                                List<Placement> placements) {
    }

    private record Placement(ServiceInstance instance, String server) {
    }

    /** A registration that becomes a server: its valid address and its weight before scaling. */
    private record Served(ServiceInstance instance, String address, int weight, boolean draining, boolean backup) {
    }

    /**
     * Consul's weights as HAProxy's (0..256): unchanged when the backend's largest fits, else scaled down in proportion,
     * a non-zero weight never below 1 (0 means "no new requests" to HAProxy and nginx's template alike).
     */
    static int scaled(int weight, int maxWeight) {
        if (maxWeight <= MAX_WEIGHT || weight == 0) {
            return weight;
        }
        return (int) Math.max(1, Math.round(weight * (double) MAX_WEIGHT / maxWeight));
    }

    private static Set<String> duplicateIds(List<ServiceInstance> instances) {
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (ServiceInstance instance : instances) {
            if (!seen.add(instance.id())) {
                duplicates.add(instance.id());
            }
        }
        return duplicates;
    }

    /** @param raw the registration as Consul returned it ({@code server.raw}), or null when raw values are off */
    private static Map<String, Object> server(Served served, int weight, UniqueNames names, boolean duplicateId,
                                              Map<String, Object> raw) {
        ServiceInstance instance = served.instance();
        String address = served.address();
        // One service ID on two nodes (a duplicate registration) must not give two servers of one name; a backup from
        // another datacenter is named after it, so that its name does not depend on the local servers
        String preferred = (duplicateId ? instance.id() + "." + instance.node() : instance.id())
                + (served.backup() ? "." + instance.datacenter() : "");
        boolean ipv6 = SafeValues.isIpv6(address);
        Object[] values = {
            names.claim(SafeValues.identifier(preferred)),
            SafeValues.identifier(instance.id()),
            SafeValues.identifier(instance.node()),
            address,
            instance.port(),
            (ipv6 ? "[" + address + "]" : address) + ":" + instance.port(),
            // nginx (open source) resolves a name in an upstream once, when it loads the config, and refuses the whole
            // config when the name does not resolve: its template writes only IP literals
            ipv6 || SafeValues.isIpv4(address),
            weight,
            served.draining() ? "draining" : instance.status().name().toLowerCase(java.util.Locale.ROOT),
            SafeValues.identifier(instance.datacenter()),
            // used only while no normal server can serve: another datacenter's instance (lbsync.consul.datacenters)
            served.backup(),
            raw};
        return raw == null ? SERVER.of(Arrays.copyOf(values, values.length - 1)) : SERVER_WITH_RAW.of(values);
    }

    /** The registration as Consul returned it: untrusted, NOT safe to write into a config. */
    private static Map<String, Object> rawInstance(ServiceInstance instance) {
        Function<String, String> text = s -> s == null ? "" : s;
        return RAW_SERVER.of(text.apply(instance.service()), text.apply(instance.id()), text.apply(instance.node()),
                text.apply(instance.nodeAddress()), text.apply(instance.address()), instance.port(), instance.tags(),
                instance.meta());
    }

    /** Host names of the routing convention, validated; the others are rejected (logged once, counted). */
    static List<String> hostsOf(ServiceInstance instance) {
        return hostsOf(instance, new RejectedValues.Collector());
    }

    static List<String> hostsOf(ServiceInstance instance, RejectedValues.Collector rejections) {
        List<String> raw = new ArrayList<>();
        for (String tag : instance.tags()) {
            if (tag.startsWith(HOST_TAG)) {
                raw.add(tag.substring(HOST_TAG.length()));
            }
        }
        String meta = instance.meta().get(HOST_META);
        if (meta != null) {
            raw.addAll(Arrays.asList(meta.split(",")));
        }
        if (raw.isEmpty()) {
            return List.of();
        }
        List<String> hosts = new ArrayList<>();
        for (String candidate : raw) {
            Optional<String> host = SafeValues.hostName(candidate);
            if (host.isPresent()) {
                hosts.add(host.get());
            } else if (!candidate.isBlank()) {
                reject(rejections, Field.HOST, "host-rejected", instance, candidate, "not a host name");
            }
        }
        return hosts;
    }

    /** event=&lt;event&gt; service=... id=... node=... field=... value=... reason="...", every untrusted part log-safe. */
    static void reject(RejectedValues.Collector rejections, Field field, String event, ServiceInstance instance, String value,
                       String reason) {
        rejections.reject(field, TemplateModelBuilder.class, "event=" + event
                + " service=" + SafeValues.identifier(instance.service()) + " id=" + SafeValues.identifier(instance.id())
                + " node=" + SafeValues.identifier(instance.node()) + " field=" + field.label()
                + " value=" + SafeValues.forLog(value) + " reason=\"" + SafeValues.quotedForLog(reason) + "\"",
                // identity: the raw registration fields, so instances whose sanitised names collide stay apart
                instance.service() + '\0' + instance.id() + '\0' + instance.node() + '\0' + value);
    }
}
