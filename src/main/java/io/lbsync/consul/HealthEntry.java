package io.lbsync.consul;

import io.lbsync.model.ServiceInstance;

/**
 * One entry of {@code /v1/health/service/:name}: the registration in lbsync's model, and the Raft index it was created
 * at (lower = older; the duplicate cleanup keeps the oldest copy), which the model leaves out on purpose (not a change).
 */
public record HealthEntry(ServiceInstance instance, long createIndex) {
}
