package io.lbsync.status;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import io.lbsync.render.Environments;
import io.lbsync.render.SafeValues;
import io.lbsync.render.TemplateModelBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The "services" part of GET /status: every watched service with its instances as Consul reports them (raw values:
 * JSON escapes them, the page shows them as text), each with its health and whether the templates get it, and if not
 * why — the same rules {@link TemplateModelBuilder} applies: passing instances, warning ones as lbsync.health.warning
 * says, a valid address and port, a valid environment declaration. A host name that is rejected leaves the instance in, without that host.
 * At most {@code maxInstances} instances are listed in all (a catalog of 50,000 would make every poll megabytes);
 * the counts always cover all of them.
 */
final class ServicesView {
    private final int maxInstances;
    private final WarningPolicy warningPolicy;

    ServicesView(int maxInstances, WarningPolicy warningPolicy) {
        this.maxInstances = maxInstances;
        this.warningPolicy = warningPolicy;
    }

    Map<String, Object> of(CatalogSnapshot catalog) {
        Map<ServiceInstance, String> environments = environments(catalog);
        List<Map<String, Object>> services = new ArrayList<>();
        int listed = 0;
        int rendered = 0;
        for (ServiceInstances service : catalog.services().values()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", service.service());
            List<Map<String, Object>> instances = new ArrayList<>();
            Map<String, Integer> counts = new LinkedHashMap<>();
            int renderedHere = 0;
            for (ServiceInstance i : service.instances()) {
                counts.merge(i.status().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                Verdict v = verdict(i, environments, warningPolicy);
                if (v.rendered()) {
                    renderedHere++;
                }
                if (listed < maxInstances) {
                    instances.add(instance(i, v));
                    listed++;
                }
            }
            rendered += renderedHere;
            s.put("health", counts);
            s.put("rendered", renderedHere);
            s.put("instanceCount", service.instances().size());
            s.put("instances", instances);
            services.add(s);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instances", catalog.instanceCount());
        m.put("rendered", rendered);
        m.put("listed", listed);
        m.put("services", services);
        return m;
    }

    /** Instance → its environment, for instances that declare a valid one; those declaring an invalid one map to "". */
    private static Map<ServiceInstance, String> environments(CatalogSnapshot catalog) {
        Environments.Split split = Environments.split(catalog);
        Map<ServiceInstance, String> env = new HashMap<>();
        split.byEnvironment().forEach((name, services) -> services.values()
                .forEach(s -> s.instances().forEach(i -> env.put(i, name))));
        if (!split.declaring().isEmpty()) {
            for (ServiceInstances service : catalog.services().values()) {
                ServiceInstances shared = split.shared().get(service.service());
                for (ServiceInstance i : service.instances()) {
                    if (!env.containsKey(i) && (shared == null || !shared.instances().contains(i))) {
                        env.put(i, "");
                    }
                }
            }
        }
        return env;
    }

    /** @param reason why it is left out (null when rendered); @param notes what else an operator should know */
    record Verdict(boolean rendered, String reason, List<String> notes) {
    }

    static Verdict verdict(ServiceInstance i, Map<ServiceInstance, String> environments, WarningPolicy warningPolicy) {
        List<String> notes = new ArrayList<>();
        String env = environments.get(i);
        if ("".equals(env)) {
            return new Verdict(false, "rejected value: env declaration (invalid name or conflicting tag/meta)", notes);
        }
        if (env != null) {
            notes.add("environment " + env);
        }
        if (!warningPolicy.serves(i.status())) {
            return new Verdict(false, "health: " + i.status().name().toLowerCase(Locale.ROOT) + (i.status() == HealthStatus.WARNING
                    ? " (" + WarningPolicy.PROPERTY + "=exclude)" : " (not served)"), notes);
        }
        if (i.status() == HealthStatus.WARNING) {
            notes.add("warning: weight " + warningPolicy.weight(i) + " (" + WarningPolicy.PROPERTY + "=" + warningPolicy.label() + ")");
        }
        Optional<String> address = SafeValues.address(i.address());
        if (address.isEmpty()) {
            return new Verdict(false, "rejected value: address \"" + i.address() + "\" is no IP address or DNS name", notes);
        }
        if (!SafeValues.validPort(i.port())) {
            return new Verdict(false, "rejected value: port " + i.port() + " (not 1-65535)", notes);
        }
        for (String host : hostCandidates(i)) {
            if (!host.isBlank() && SafeValues.hostName(host).isEmpty()) {
                notes.add("rejected value: host \"" + host + "\" is no host name (left out, the instance stays)");
            }
        }
        return new Verdict(true, null, notes);
    }

    private static List<String> hostCandidates(ServiceInstance i) {
        List<String> raw = new ArrayList<>();
        i.tags().stream().filter(t -> t.startsWith(TemplateModelBuilder.HOST_TAG))
                .forEach(t -> raw.add(t.substring(TemplateModelBuilder.HOST_TAG.length())));
        String meta = i.meta().get(TemplateModelBuilder.HOST_META);
        if (meta != null) {
            raw.addAll(List.of(meta.split(",")));
        }
        return raw;
    }

    private Map<String, Object> instance(ServiceInstance i, Verdict v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("node", i.node());
        m.put("address", i.address());
        m.put("port", i.port());
        m.put("status", i.status().name().toLowerCase(Locale.ROOT));
        m.put("rendered", v.rendered());
        m.put("weight", v.rendered() ? warningPolicy.weight(i) : 0);
        m.put("reason", v.reason());
        m.put("notes", v.notes());
        m.put("tags", i.tags());
        m.put("meta", i.meta());
        return m;
    }
}
