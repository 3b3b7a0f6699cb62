package io.lbsync.render;

import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.RemoteCatalogs;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.WarningPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Local first, then the nearest datacenter that can serve — what Consul's prepared queries do for DNS (issue 18). For
 * each service, the first datacenter of its order gives the normal servers; the next one in order with at least one
 * instance to serve gives the backup servers (HAProxy and nginx use them only while no normal server can serve).
 * The order is lbsync.consul.datacenters, or per service the registrations' {@value #DATACENTERS_META} meta or
 * {@value #DATACENTERS_TAG} tag (e.g. "dc1": never leave dc1; "dc2,dc1": lives in dc2). Names the service lists that
 * lbsync does not watch are ignored.
 */
public final class Failover {
    public static final String DATACENTERS_META = "lbsync-datacenters";
    public static final String DATACENTERS_TAG = "lbsync.datacenters=";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /**
     * @param catalog every service with the instances of its normal and its backup datacenter
     * @param primary service → its normal datacenter; empty when only the local datacenter is watched
     */
    public record Selection(CatalogSnapshot catalog, Map<String, String> primary) {
        /** Whether the instance is a backup server of its service. */
        public boolean backup(ServiceInstance instance) {
            String dc = primary.get(instance.service());
            return dc != null && !dc.equals(instance.datacenter());
        }
    }

    private Failover() {
    }

    public static Selection select(ConsulState state, WarningPolicy policy) {
        RemoteCatalogs remote = state.remote();
        if (remote.order().size() < 2) {
            return new Selection(state.catalog(), Map.of());
        }
        String local = remote.local();
        Map<String, Map<String, ServiceInstances>> byDc = new HashMap<>();
        byDc.put(local, state.catalog().services());
        remote.snapshots().forEach((dc, snapshot) -> byDc.put(dc, snapshot.services()));
        TreeSet<String> names = new TreeSet<>(state.catalog().services().keySet());
        remote.snapshots().values().forEach(s -> names.addAll(s.services().keySet()));

        Map<String, ServiceInstances> combined = new HashMap<>();
        Map<String, String> primary = new HashMap<>();
        for (String name : names) {
            List<String> order = orderOf(name, byDc, remote.order());
            String normal = order.get(0);
            List<ServiceInstance> instances = new ArrayList<>(instancesOf(name, normal, byDc));
            for (String dc : order.subList(1, order.size())) {
                List<ServiceInstance> candidates = instancesOf(name, dc, byDc);
                if (candidates.stream().anyMatch(i -> policy.serves(i.status()))) {
                    instances.addAll(candidates);
                    break;
                }
            }
            ServiceInstances localService = state.catalog().services().get(name);
            if (localService != null || !instances.isEmpty()) {
                long index = localService != null ? localService.index() : state.catalog().index();
                combined.put(name, new ServiceInstances(name, index, instances));
                primary.put(name, normal);
            }
        }
        return new Selection(CatalogSnapshot.of(state.catalog().index(), combined), Collections.unmodifiableMap(primary));
    }

    /** The instances of a service in one datacenter, each marked with it (an answer that did not say gets the name). */
    private static List<ServiceInstance> instancesOf(String service, String dc, Map<String, Map<String, ServiceInstances>> byDc) {
        ServiceInstances s = byDc.getOrDefault(dc, Map.of()).get(service);
        if (s == null) {
            return List.of();
        }
        return s.instances().stream().map(i -> i.datacenter().equals(dc) ? i : i.inDatacenter(dc)).toList();
    }

    /** The service's own order (its first declaring registration, local ones first), else the configured one. */
    private static List<String> orderOf(String service, Map<String, Map<String, ServiceInstances>> byDc, List<String> configured) {
        for (String dc : configured) {
            ServiceInstances s = byDc.getOrDefault(dc, Map.of()).get(service);
            if (s == null) {
                continue;
            }
            for (ServiceInstance i : s.instances()) {
                List<String> declared = declaredOrder(i, configured);
                if (!declared.isEmpty()) {
                    return declared;
                }
            }
        }
        return configured;
    }

    static List<String> declaredOrder(ServiceInstance instance, List<String> watched) {
        String raw = instance.meta().get(DATACENTERS_META);
        if (raw == null) {
            raw = instance.tags().stream().filter(t -> t.startsWith(DATACENTERS_TAG)).map(t -> t.substring(DATACENTERS_TAG.length()))
                    .findFirst().orElse(null);
        }
        if (raw == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String name : Arrays.asList(raw.split(","))) {
            String n = name.strip();
            if (NAME.matcher(n).matches() && watched.contains(n) && !out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }
}
