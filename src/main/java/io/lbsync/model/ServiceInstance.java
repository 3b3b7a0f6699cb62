package io.lbsync.model;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One registration of a service on one node, as Consul reports it. Check output text is deliberately
 * not part of it: output changes are not membership changes, and equality is what change detection uses.
 *
 * @param address the service address, or the node address when the service has none (Consul's rule)
 * @param weights Consul's Weights of the registration ({@link Weights#DEFAULT} when it declares none)
 * @param datacenter the node's datacenter as Consul reports it ("" when the answer did not say)
 */
public record ServiceInstance(String service, String id, String node, String nodeAddress, String address, int port,
                              List<String> tags, SortedMap<String, String> meta, HealthStatus status, Weights weights,
                              String datacenter) {

    public ServiceInstance {
        tags = List.copyOf(tags);
        meta = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(meta));
        weights = weights == null ? Weights.DEFAULT : weights;
        datacenter = datacenter == null ? "" : datacenter;
    }

    public static ServiceInstance of(String service, String id, String node, String nodeAddress, String serviceAddress,
                                     int port, List<String> tags, Map<String, String> meta, HealthStatus status) {
        String address = serviceAddress == null || serviceAddress.isBlank() ? nodeAddress : serviceAddress;
        return new ServiceInstance(service, id, node, nodeAddress, address, port,
                tags == null ? List.of() : tags, meta == null ? new TreeMap<>() : new TreeMap<>(meta), status, Weights.DEFAULT, "");
    }

    public ServiceInstance withWeights(Weights other) {
        return new ServiceInstance(service, id, node, nodeAddress, address, port, tags, meta, status, other, datacenter);
    }

    public ServiceInstance withStatus(HealthStatus other) {
        return new ServiceInstance(service, id, node, nodeAddress, address, port, tags, meta, other, weights, datacenter);
    }

    public ServiceInstance inDatacenter(String other) {
        return new ServiceInstance(service, id, node, nodeAddress, address, port, tags, meta, status, weights, other);
    }

    /** Datacenter, service, ID and node: one registration, whatever its data. */
    public String key() {
        return datacenter + '\0' + service + '\0' + id + '\0' + node;
    }

    public boolean passing() {
        return status == HealthStatus.PASSING;
    }

    /** Deterministic order inside a service: by service ID, then node (one ID may live on several nodes). */
    public static int compare(ServiceInstance a, ServiceInstance b) {
        int c = a.id.compareTo(b.id);
        return c != 0 ? c : a.node.compareTo(b.node);
    }
}
