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

    /** How many registrations pass; no list made (the guard asks it of every service at every change). */
    public int passingCount() {
        int passing = 0;
        for (ServiceInstance instance : instances) {
            if (instance.passing()) {
                passing++;
            }
        }
        return passing;
    }

    /** Same members, addresses, tags, meta and health: indexes alone do not make a change. */
    public boolean sameDataAs(ServiceInstances other) {
        return this == other || other != null && service.equals(other.service) && instances.equals(other.instances);
    }
}
