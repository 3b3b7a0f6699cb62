package io.lbsync.model;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Every registration in the catalog, by service: "node/ID" → the registration's ModifyIndex (Consul raises it on every
 * change of the registration: address, port, tags, meta, weights). Compared with an earlier listing it says which
 * services changed — which Consul's blocking catalog query cannot say — in one request instead of one per service
 * (docs/design-watching.md, "What is re-read after a wake").
 *
 * @param index the X-Consul-Index of the answer
 */
public record ServiceListing(long index, Map<String, Map<String, Long>> registrations) {
    public ServiceListing {
        registrations = Map.copyOf(registrations);
    }

    /** Services registered, re-registered, changed or deregistered since {@code earlier} (all of them when null). */
    public Set<String> changedSince(ServiceListing earlier) {
        Set<String> changed = new HashSet<>();
        if (earlier == null) {
            changed.addAll(registrations.keySet());
            return changed;
        }
        Set<String> all = new HashSet<>(registrations.keySet());
        all.addAll(earlier.registrations.keySet());
        for (String service : all) {
            if (!Objects.equals(registrations.get(service), earlier.registrations.get(service))) {
                changed.add(service);
            }
        }
        return changed;
    }
}
