package io.lbsync.model;

import java.util.List;

/** All registrations of one service, in deterministic order; the Consul index they were read at. */
public record ServiceInstances(String service, long index, List<ServiceInstance> instances) {

    public ServiceInstances {
        instances = instances.stream().sorted(ServiceInstance::compare).toList();
    }

    public List<ServiceInstance> passing() {
        return instances.stream().filter(ServiceInstance::passing).toList();
    }

    /** Same members, addresses, tags, meta and health: indexes alone do not make a change. */
    public boolean sameDataAs(ServiceInstances other) {
        return other != null && service.equals(other.service) && instances.equals(other.instances);
    }
}
