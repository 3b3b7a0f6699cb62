package io.lbsync.render;

import io.lbsync.model.ConsulState;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link ConsulState} into the immutable data model templates see (documented in docs/templates.md).
 * Every value in it is already safe to write into a config: identifiers sanitised and unique, addresses and
 * ports validated, host names checked. An instance with an invalid address or port is left out, with a log line.
 * An instance that declares an environment (tag env=...) is only in "environments", never in "services"
 * ({@link Environments}).
 */
public final class TemplateModelBuilder {
    /** Tag prefix of the Host routing convention: tag "lbsync.host=shop.example.com". */
    public static final String HOST_TAG = "lbsync.host=";
    /** Meta key of the Host routing convention: meta lbsync-host = "shop.example.com,www.example.com". */
    public static final String HOST_META = "lbsync-host";

    /** Name the bundled templates use for "no service for this host"; never given to a service. */
    public static final String NO_ROUTE_BACKEND = "lbsync_no_route";

    private static final Logger LOG = LoggerFactory.getLogger(TemplateModelBuilder.class);
    private final SiteParser siteParser = new SiteParser();

    /** @param params the operator's template parameters (lbsync.&lt;target&gt;.param.* properties) */
    public Map<String, Object> build(ConsulState state, TemplateParams params) {
        UniqueNames backendNames = new UniqueNames();
        backendNames.claim(NO_ROUTE_BACKEND);
        List<Map<String, Object>> services = new ArrayList<>();
        Map<String, String> backendsByService = new HashMap<>();
        // instances that declare an environment (tag env=...) are rendered only under "environments"
        Environments.Split split = Environments.split(state.catalog());
        for (ServiceInstances service : split.shared().values()) {
            String backend = backendNames.claim(SafeValues.identifier(service.service()));
            backendsByService.put(service.service(), backend);
            services.add(service(service, backend));
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("services", List.copyOf(services));
        model.put("environments", Environments.model(split, backendNames, this::service));
        model.put("envDeclaringServices", split.declaring());
        model.put("sites", sites(state, backendsByService));
        model.put("param", params);
        return java.util.Collections.unmodifiableMap(model);
    }

    private List<Map<String, Object>> sites(ConsulState state, Map<String, String> backendsByService) {
        List<Map<String, Object>> sites = new ArrayList<>();
        for (SiteParser.Site site : siteParser.parse(state.kv())) {
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
                routes.add(java.util.Collections.unmodifiableMap(route));
            });
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", site.name());
            m.put("serverNames", site.serverNames());
            m.put("listen", site.listen());
            m.put("routes", List.copyOf(routes));
            sites.add(java.util.Collections.unmodifiableMap(m));
        }
        return List.copyOf(sites);
    }

    Map<String, Object> service(ServiceInstances service, String backend) {
        List<ServiceInstance> passing = service.passing();
        TreeSet<String> hosts = new TreeSet<>();
        List<Map<String, Object>> servers = new ArrayList<>();
        UniqueNames serverNames = new UniqueNames();
        // counted once per service: a per-instance scan would be quadratic in large services
        Map<String, Long> copiesOfId = passing.stream()
                .collect(java.util.stream.Collectors.groupingBy(ServiceInstance::id, java.util.stream.Collectors.counting()));
        for (ServiceInstance instance : passing) {
            Optional<String> address = SafeValues.address(instance.address());
            if (address.isEmpty() || !SafeValues.validPort(instance.port())) {
                LOG.warn("event=instance-rejected service={} id={} node={} reason=\"{}\"", SafeValues.identifier(service.service()),
                        SafeValues.identifier(instance.id()), SafeValues.identifier(instance.node()),
                        address.isEmpty() ? "invalid address" : "invalid port " + instance.port());
                continue;
            }
            hosts.addAll(hostsOf(instance));
            servers.add(server(instance, address.get(), serverNames, copiesOfId.get(instance.id()) > 1));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", SafeValues.identifier(service.service()));
        m.put("backend", backend);
        m.put("hosts", List.copyOf(hosts));
        m.put("servers", List.copyOf(servers));
        m.put("instanceCount", service.instances().size());
        m.put("passingCount", passing.size());
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Map<String, Object> server(ServiceInstance instance, String address, UniqueNames names, boolean duplicateId) {
        // One service ID on two nodes (a duplicate registration) must not give two servers of one name.
        String preferred = duplicateId ? instance.id() + "." + instance.node() : instance.id();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", names.claim(SafeValues.identifier(preferred)));
        m.put("id", SafeValues.identifier(instance.id()));
        m.put("node", SafeValues.identifier(instance.node()));
        m.put("address", address);
        m.put("port", instance.port());
        m.put("endpoint", (SafeValues.isIpv6(address) ? "[" + address + "]" : address) + ":" + instance.port());
        return java.util.Collections.unmodifiableMap(m);
    }

    static List<String> hostsOf(ServiceInstance instance) {
        List<String> raw = new ArrayList<>();
        instance.tags().stream().filter(t -> t.startsWith(HOST_TAG)).map(t -> t.substring(HOST_TAG.length())).forEach(raw::add);
        String meta = instance.meta().get(HOST_META);
        if (meta != null) {
            raw.addAll(Arrays.asList(meta.split(",")));
        }
        List<String> hosts = new ArrayList<>();
        for (String candidate : raw) {
            Optional<String> host = SafeValues.hostName(candidate);
            if (host.isPresent()) {
                hosts.add(host.get());
            } else if (!candidate.isBlank()) {
                LOG.warn("event=host-rejected service={} id={} reason=\"not a host name\"",
                        SafeValues.identifier(instance.service()), SafeValues.identifier(instance.id()));
            }
        }
        return hosts;
    }
}
