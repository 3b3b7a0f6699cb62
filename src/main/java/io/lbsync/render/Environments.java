package io.lbsync.render;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The environment convention: an instance declares its business environment (prod, staging, ...) with the tag
 * {@code env=<name>} or the meta key {@code env}. Environments are isolated: an instance that declares one is
 * rendered only in that environment's backends, never in the shared ones ({@code services}) and never in
 * another environment's. An instance whose declaration is invalid (not a valid name, empty, or two different
 * names) is left out everywhere, with an {@code event=instance-rejected} log line: fail closed, never shared.
 */
public final class Environments {
    /** Tag prefix of the convention: tag "env=prod". */
    public static final String ENV_TAG = "env=";
    /** Meta key of the convention: meta env = "prod". */
    public static final String ENV_META = "env";
    /** Valid environment names: they become part of frontend/backend names and of parameter names (bind.prod). */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    /** Prefix of an environment's frontend name in the model: "http_prod". */
    static final String FRONTEND_PREFIX = "http_";

    private Environments() {
    }

    /**
     * The catalog split by the convention.
     *
     * @param shared        per service, the registrations that declare no environment (services with none left out)
     * @param byEnvironment environment → service → that environment's registrations
     * @param declaring     names of the services with at least one registration that declares an environment,
     *                      valid or not (Consul DNS cannot tell these registrations apart from the others)
     */
    public record Split(SortedMap<String, ServiceInstances> shared,
                        SortedMap<String, SortedMap<String, ServiceInstances>> byEnvironment,
                        List<String> declaring) {
    }

    /**
     * What an instance declares: nothing (both empty), a valid environment, or a problem.
     *
     * @param values the declared values as given (untrusted), comma-separated; for the rejection's log line
     */
    record Declaration(Optional<String> environment, Optional<String> problem, String values) {
        static final Declaration NONE = new Declaration(Optional.empty(), Optional.empty(), "");

        boolean declared() {
            return environment.isPresent() || problem.isPresent();
        }
    }

    static Declaration declarationOf(ServiceInstance instance) {
        String meta = instance.meta().get(ENV_META);
        TreeSet<String> values = null; // most instances declare nothing: no set for them
        for (String tag : instance.tags()) {
            if (tag.startsWith(ENV_TAG)) {
                values = values == null ? new TreeSet<>() : values;
                values.add(tag.substring(ENV_TAG.length()));
            }
        }
        if (meta != null) {
            values = values == null ? new TreeSet<>() : values;
            values.add(meta);
        }
        if (values == null) {
            return Declaration.NONE;
        }
        String declared = String.join(",", values);
        if (values.size() > 1) {
            return new Declaration(Optional.empty(), Optional.of("conflicting env declarations"), declared);
        }
        String name = values.first();
        return NAME.matcher(name).matches()
                ? new Declaration(Optional.of(name), Optional.empty(), declared)
                : new Declaration(Optional.empty(), Optional.of("invalid env name"), declared);
    }

    /** The split; invalid declarations are left out without a report. */
    public static Split split(CatalogSnapshot catalog) {
        return new Splitter().split(catalog, new RejectedValues.Collector());
    }

    /**
     * Splits catalog after catalog, reusing each service's part of the last split while the service is the same object
     * (a snapshot keeps the objects of the services that did not change): a split costs O(changed instances), not a scan
     * of every instance's tags and meta (issue 15). One per template model builder, used by one thread at a time.
     */
    static final class Splitter {
        private Map<ServiceInstances, ServiceSplit> last = new IdentityHashMap<>();

        /** One service's part: its shared instances (null: none), its environments' ones, and what it reported. */
        private record ServiceSplit(ServiceInstances shared, Map<String, ServiceInstances> byEnvironment, boolean declaring,
                                    List<RejectedValues.Rejection> rejections) {
        }

        /** The split; each instance with an invalid declaration is reported to {@code rejections} (field env). */
        Split split(CatalogSnapshot catalog, RejectedValues.Collector rejections) {
            Map<ServiceInstances, ServiceSplit> next = new IdentityHashMap<>(catalog.services().size() * 2);
            SortedMap<String, SortedMap<String, ServiceInstances>> byEnvironment = new TreeMap<>();
            TreeSet<String> declaring = new TreeSet<>();
            boolean allShared = true; // every service shared whole: the catalog's own map is the shared one
            List<ServiceInstances> shared = new ArrayList<>(catalog.services().size());
            for (ServiceInstances service : catalog.services().values()) {
                ServiceSplit part = last.get(service);
                if (part == null) {
                    part = splitOf(service);
                }
                next.put(service, part);
                rejections.addAll(part.rejections());
                if (part.declaring()) {
                    declaring.add(SafeValues.identifier(service.service()));
                }
                part.byEnvironment().forEach((env, instances) -> byEnvironment.computeIfAbsent(env, e -> new TreeMap<>())
                        .put(service.service(), instances));
                allShared &= part.shared() == service;
                if (part.shared() != null) {
                    shared.add(part.shared());
                }
            }
            last = next;
            SortedMap<String, ServiceInstances> sharedByName;
            if (allShared) {
                sharedByName = catalog.services();
            } else {
                sharedByName = new TreeMap<>();
                shared.forEach(service -> sharedByName.put(service.service(), service));
            }
            return new Split(Collections.unmodifiableSortedMap(sharedByName), Collections.unmodifiableSortedMap(byEnvironment),
                    List.copyOf(declaring));
        }

        private static ServiceSplit splitOf(ServiceInstances service) {
            RejectedValues.Collector rejections = new RejectedValues.Collector();
            List<ServiceInstance> untagged = new ArrayList<>();
            Map<String, List<ServiceInstance>> tagged = new TreeMap<>();
            boolean declaring = false;
            for (ServiceInstance instance : service.instances()) {
                Declaration d = declarationOf(instance);
                if (!d.declared()) {
                    untagged.add(instance);
                    continue;
                }
                declaring = true;
                if (d.environment().isPresent()) {
                    tagged.computeIfAbsent(d.environment().get(), e -> new ArrayList<>()).add(instance);
                } else {
                    rejections.reject(RejectedValues.Field.ENV, Environments.class, "event=instance-rejected service="
                            + SafeValues.identifier(service.service()) + " id=" + SafeValues.identifier(instance.id())
                            + " node=" + SafeValues.identifier(instance.node()) + " field=env value=" + SafeValues.forLog(d.values())
                            + " reason=\"" + d.problem().get() + "\"",
                            service.service() + '\0' + instance.id() + '\0' + instance.node() + '\0' + d.values());
                }
            }
            ServiceInstances shared = null;
            if (!untagged.isEmpty() && untagged.size() == service.instances().size()) {
                shared = service; // the common case: the same object, so the model entry is reused
            } else if (!untagged.isEmpty()) {
                shared = new ServiceInstances(service.service(), service.index(), untagged);
            }
            Map<String, ServiceInstances> byEnvironment = tagged.isEmpty() ? Map.of() : new TreeMap<>();
            tagged.forEach((env, instances) -> byEnvironment.put(env, new ServiceInstances(service.service(), service.index(), instances)));
            return new ServiceSplit(shared, byEnvironment, declaring, List.copyOf(rejections.rejections()));
        }
    }

    /**
     * The {@code environments} list of the template model, sorted by name. Backend names are claimed from the
     * config-wide pool after the shared services' ones, as {@code <env>.<service>} (made unique if taken).
     *
     * @param serviceModel builds one service entry (same keys as in {@code services}) from instances and a backend name
     */
    static List<Map<String, Object>> model(Split split, UniqueNames backendNames,
                                           BiFunction<ServiceInstances, String, Map<String, Object>> serviceModel) {
        List<Map<String, Object>> environments = new ArrayList<>();
        split.byEnvironment().forEach((env, services) -> {
            List<Map<String, Object>> entries = new ArrayList<>();
            for (ServiceInstances service : services.values()) {
                String backend = backendNames.claim(SafeValues.identifier(env + "." + SafeValues.identifier(service.service())));
                entries.add(serviceModel.apply(service, backend));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", env);
            m.put("frontend", FRONTEND_PREFIX + env);
            m.put("services", List.copyOf(entries));
            environments.add(Collections.unmodifiableMap(m));
        });
        return List.copyOf(environments);
    }
}
