package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster catalog (nodes, service instances, checks) and the index bookkeeping Consul's state store does:
 * the "nodes", "services" and "checks" table indexes, one "service.&lt;name&gt;" index per service name,
 * and the service-extinction index used when a queried service has no instances. Like Consul's catalog
 * transactions it invalidates the sessions bound to a check that goes critical or away, or to a removed node.
 * Every method expects the {@link StateStore} lock to be held.
 */
final class Catalog {
    static final String NODES = "nodes";
    static final String SERVICES = "services";
    static final String CHECKS = "checks";
    private static final String EXTINCTION = "service_last_extinction";

    private final StateStore store;
    private final Sessions sessions;
    private final TreeMap<String, CatalogNode> nodes = new TreeMap<>();
    private final TreeMap<String, TreeMap<String, CatalogService>> services = new TreeMap<>();
    private final TreeMap<String, TreeMap<String, CatalogCheck>> checks = new TreeMap<>();

    Catalog(StateStore store, Sessions sessions) {
        this.store = store;
        this.sessions = sessions;
    }

    // ---- writes ----

    boolean ensureNode(StateStore.Txn txn, CatalogNode in) {
        CatalogNode old = nodes.get(in.name());
        if (old != null && old.sameAs(in)) {
            return false;
        }
        long idx = txn.index();
        nodes.put(in.name(), in.withIndexes(old == null ? idx : old.createIndex(), idx));
        store.bump(NODES, idx);
        // Node data is part of every catalog/health answer for its services.
        servicesOn(in.name()).forEach(s -> store.bump(serviceKey(s.name()), idx));
        return true;
    }

    boolean ensureService(StateStore.Txn txn, CatalogService in) {
        TreeMap<String, CatalogService> onNode = services.computeIfAbsent(in.node(), k -> new TreeMap<>());
        CatalogService old = onNode.get(in.id());
        if (old != null && old.sameAs(in)) {
            return false;
        }
        long idx = txn.index();
        onNode.put(in.id(), in.withIndexes(old == null ? idx : old.createIndex(), idx));
        store.bump(SERVICES, idx);
        store.bump(serviceKey(in.name()), idx);
        if (old != null && !old.name().equals(in.name())) {
            serviceNameLostInstance(old.name(), idx);
        }
        return true;
    }

    boolean ensureCheck(StateStore.Txn txn, CatalogCheck in) {
        TreeMap<String, CatalogCheck> onNode = checks.computeIfAbsent(in.node(), k -> new TreeMap<>());
        CatalogCheck old = onNode.get(in.checkId());
        if (old != null && old.sameAs(in)) {
            return false;
        }
        long idx = txn.index();
        onNode.put(in.checkId(), in.withIndexes(old == null ? idx : old.createIndex(), idx));
        checkChanged(in, idx);
        if (in.status().equals(CatalogCheck.CRITICAL)) {
            sessions.checkFailed(txn, in.node(), in.checkId());
        }
        return true;
    }

    /** Removes one instance and its checks; a missing one is a no-op, as in Consul. */
    boolean deleteService(StateStore.Txn txn, String node, String serviceId) {
        TreeMap<String, CatalogService> onNode = services.get(node);
        CatalogService old = onNode == null ? null : onNode.get(serviceId);
        if (old == null) {
            return false;
        }
        long idx = txn.index();
        for (CatalogCheck c : List.copyOf(checksOn(node))) {
            if (c.serviceId().equals(serviceId)) {
                checks.get(node).remove(c.checkId());
                checkChanged(c, idx);
                sessions.checkFailed(txn, node, c.checkId());
            }
        }
        onNode.remove(serviceId);
        store.bump(SERVICES, idx);
        serviceNameLostInstance(old.name(), idx);
        return true;
    }

    boolean deleteCheck(StateStore.Txn txn, String node, String checkId) {
        TreeMap<String, CatalogCheck> onNode = checks.get(node);
        CatalogCheck old = onNode == null ? null : onNode.remove(checkId);
        if (old == null) {
            return false;
        }
        checkChanged(old, txn.index());
        sessions.checkFailed(txn, node, checkId);
        return true;
    }

    boolean deleteNode(StateStore.Txn txn, String node) {
        if (!nodes.containsKey(node)) {
            return false;
        }
        for (CatalogService s : List.copyOf(servicesOn(node))) {
            deleteService(txn, node, s.id());
        }
        for (CatalogCheck c : List.copyOf(checksOn(node))) {
            deleteCheck(txn, node, c.checkId());
        }
        nodes.remove(node);
        store.bump(NODES, txn.index());
        sessions.nodeRemoved(txn, node);
        return true;
    }

    private void checkChanged(CatalogCheck c, long idx) {
        store.bump(CHECKS, idx);
        if (c.isNodeCheck()) {
            // A node check is part of the health of every service on that node.
            servicesOn(c.node()).forEach(s -> store.bump(serviceKey(s.name()), idx));
        } else {
            service(c.node(), c.serviceId()).ifPresent(s -> store.bump(serviceKey(s.name()), idx));
        }
    }

    private void serviceNameLostInstance(String name, long idx) {
        if (instances(name).isEmpty()) {
            store.dropTable(serviceKey(name));
            store.bump(EXTINCTION, idx);
        } else {
            store.bump(serviceKey(name), idx);
        }
    }

    // ---- reads ----

    Optional<CatalogNode> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    Collection<CatalogNode> nodes() {
        return List.copyOf(nodes.values());
    }

    Collection<CatalogService> servicesOn(String node) {
        TreeMap<String, CatalogService> onNode = services.get(node);
        return onNode == null ? List.of() : List.copyOf(onNode.values());
    }

    Optional<CatalogService> service(String node, String serviceId) {
        TreeMap<String, CatalogService> onNode = services.get(node);
        return Optional.ofNullable(onNode == null ? null : onNode.get(serviceId));
    }

    /** Every service instance, ordered by node then ID like Consul's memdb index. */
    List<CatalogService> allInstances() {
        List<CatalogService> out = new ArrayList<>();
        services.values().forEach(onNode -> out.addAll(onNode.values()));
        return out;
    }

    /** All instances of a service name, ordered by node then ID like Consul's memdb index. */
    List<CatalogService> instances(String serviceName) {
        return allInstances().stream().filter(s -> s.name().equals(serviceName)).toList();
    }

    /** Service name → union of tags (sorted here; Consul's order is random). */
    Map<String, TreeSet<String>> serviceNames() {
        Map<String, TreeSet<String>> out = new TreeMap<>();
        for (TreeMap<String, CatalogService> onNode : services.values()) {
            for (CatalogService s : onNode.values()) {
                out.computeIfAbsent(s.name(), k -> new TreeSet<>()).addAll(s.tags());
            }
        }
        return out;
    }

    Optional<CatalogCheck> check(String node, String checkId) {
        TreeMap<String, CatalogCheck> onNode = checks.get(node);
        return Optional.ofNullable(onNode == null ? null : onNode.get(checkId));
    }

    Collection<CatalogCheck> checksOn(String node) {
        TreeMap<String, CatalogCheck> onNode = checks.get(node);
        return onNode == null ? List.of() : List.copyOf(onNode.values());
    }

    /** Node checks first, then the instance's own checks, as Consul's health endpoint lists them. */
    List<CatalogCheck> healthChecksOf(CatalogService s) {
        List<CatalogCheck> out = new ArrayList<>();
        for (CatalogCheck c : checksOn(s.node())) {
            if (c.isNodeCheck()) {
                out.add(c);
            }
        }
        for (CatalogCheck c : checksOn(s.node())) {
            if (c.serviceId().equals(s.id())) {
                out.add(c);
            }
        }
        return out;
    }

    List<CatalogCheck> allChecks() {
        List<CatalogCheck> out = new ArrayList<>();
        checks.values().forEach(m -> out.addAll(m.values()));
        return out;
    }

    // ---- indexes, as Consul 1.10's state store computes them ----

    /** catalog/services, catalog/node: max of the nodes and services tables. */
    long nodesAndServicesIndex() {
        return store.index(NODES, SERVICES);
    }

    /** internal/ui/nodes (the node dump): max of the nodes, services and checks tables. */
    long nodesServicesAndChecksIndex() {
        return store.index(NODES, SERVICES, CHECKS);
    }

    long servicesTableIndex() {
        return store.index(SERVICES);
    }

    long nodesIndex() {
        return store.index(NODES);
    }

    long checksIndex() {
        return store.index(CHECKS);
    }

    /** catalog/service/X and health/service/X: the per-service index, or the extinction index if X has no instances. */
    long serviceIndex(String name, boolean withChecks) {
        if (!instances(name).isEmpty()) {
            long idx = store.index(serviceKey(name));
            if (idx > 0) {
                return idx;
            }
        } else {
            long extinct = store.index(EXTINCTION);
            if (extinct > 0) {
                return extinct;
            }
        }
        return withChecks ? store.index(NODES, SERVICES, CHECKS) : store.index(NODES, SERVICES);
    }

    private static String serviceKey(String name) {
        return "service." + name;
    }
}
