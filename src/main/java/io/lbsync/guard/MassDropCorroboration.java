package io.lbsync.guard;

import io.lbsync.consul.ConsulAnswers;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.CheckState;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Asks Consul whether services that all vanished at once really are gone. Consul hides what a token may not read
 * (ACL filtering) instead of refusing it, and an agent restarted with an empty local state drops its services for a
 * while: both look like "everything was deregistered". The disappearance is corroborated only when
 * <ol>
 * <li>Consul still knows lbsync's ACL token ({@code /v1/acl/token/self}; skipped when ACLs are off),</li>
 * <li>a consistent read from the leader ({@code /v1/catalog/services?consistent}) no longer lists them either, and</li>
 * <li>every node that carried one of their passing instances has left the catalog or is failing (its
 * {@code serfHealth} not passing) — services vanishing from nodes that are alive and well is what lost
 * {@code service:read} rights or an emptied agent look like.</li>
 * </ol>
 * Any other answer, or no answer, leaves it uncorroborated, with the reason.
 */
public class MassDropCorroboration {
    /** The judgement and, when not corroborated, the likely cause in an operator's words. */
    public record Verdict(boolean corroborated, String reason) {
    }

    private final ConsulClient api;
    private final String dcQuery;

    /** @param api lbsync's client (its token is the one judged); its local agent answers */
    public MassDropCorroboration(ConsulClient api, Optional<String> datacenter) {
        this.api = api;
        this.dcQuery = datacenter.map(dc -> "&dc=" + ConsulClient.segment(dc)).orElse("");
    }

    public Verdict judge(CatalogSnapshot before, Set<String> vanished) {
        try {
            Verdict token = token();
            if (token != null) {
                return token;
            }
            Map<String, ?> services = ConsulAnswers.services(api.get("/v1/catalog/services?consistent" + dcQuery).requireOk());
            long stillListed = vanished.stream().filter(services::containsKey).count();
            if (stillListed > 0) {
                return new Verdict(false, "a consistent read from the Consul leader still lists " + stillListed + " of the "
                        + vanished.size() + " services: the agent's answer was out of date");
            }
            return nodes(before, vanished);
        } catch (RuntimeException e) {
            return new Verdict(false, "cannot ask Consul whether they are really gone: " + e.getMessage());
        }
    }

    /** Null when the token is fine (or ACLs are off), else the verdict. */
    private Verdict token() {
        ConsulResponse self = api.get("/v1/acl/token/self?" + dcQuery.replaceFirst("^&", ""));
        if (self.ok() || self.status() == 401 || self.body().contains("ACL support disabled")) {
            return null;
        }
        if (self.body().contains("ACL not found")) {
            return new Verdict(false, "Consul does not know lbsync's ACL token any more (deleted, expired, or made for another "
                    + "datacenter): what it cannot read looks deregistered");
        }
        return new Verdict(false, "Consul refuses lbsync's ACL token (HTTP " + self.status() + ")");
    }

    private Verdict nodes(CatalogSnapshot before, Set<String> vanished) {
        Set<String> carriers = new TreeSet<>();
        for (String name : vanished) {
            ServiceInstances s = before.services().get(name);
            if (s != null) {
                s.passing().stream().map(ServiceInstance::node).forEach(carriers::add);
            }
        }
        Map<String, String> serfHealth = new HashMap<>();
        for (CheckState check : ConsulAnswers.checks(api.get("/v1/health/state/any?consistent" + dcQuery).requireOk())) {
            if ("serfHealth".equals(check.checkId())) {
                serfHealth.put(check.node(), check.status());
            }
        }
        if (serfHealth.isEmpty()) {
            return new Verdict(false, "Consul shows no node at all: lbsync's token may have lost node:read, or every agent is gone");
        }
        long alive = carriers.stream().filter(n -> "passing".equals(serfHealth.get(n))).count();
        if (alive > 0) {
            return new Verdict(false, alive + " of the " + carriers.size() + " nodes that carried them are alive and well: lbsync's "
                    + "token may have lost service:read (Consul hides what a token may not read), or agents restarted with an "
                    + "empty local state");
        }
        return new Verdict(true, "their nodes left the cluster or are failing");
    }
}
