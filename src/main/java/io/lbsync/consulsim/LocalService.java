package io.lbsync.consulsim;

/** A service in an agent's local state; {@code inSync} = the catalog is known to match it. */
final class LocalService {
    final ServiceDefinition definition;
    boolean inSync;

    LocalService(ServiceDefinition definition) {
        this.definition = definition;
    }

    String id() {
        return definition.effectiveId();
    }
}
