package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection for tests ({@link ConsulSimulator#faults()}): rules that make the answers to some requests go wrong
 * (error statuses, dropped connections, delays, broken bodies, misleading headers). A rule matches requests by path
 * prefix, on every agent, and lasts until removed or cleared, or for a given number of requests. Every request
 * matching several rules gets all of them, in the order they were added: delays add up, header overrides are all
 * applied, and the first error answer or dropped connection ends the request (rules after it are not used up).
 * A rule applies to every answer sent from the moment it is added: a request already running when the rule comes
 * (a blocking query) is executed, but its answer is refused, dropped, delayed or altered all the same. Faults apply
 * after the connection cap (a delayed request holds its connection) and before ACL checks and routing. Without rules
 * the simulator behaves exactly as without this class.
 *
 * <pre>{@code
 * FaultRule rule = sim.faults().inject("/v1/", Fault.status(500, "rpc error"));   // until removed or cleared
 * sim.faults().on("/v1/health/").once().inject(Fault.dropConnection());          // the next request only
 * sim.faults().on("/v1/").withQueryParam("stale").inject(Fault.lastContact(Duration.ofMinutes(1)));
 * sim.faults().clear();
 * }</pre>
 */
public final class ConsulFaults {
    private final List<FaultRule> rules = new CopyOnWriteArrayList<>();
    private final AtomicLong totalHits = new AtomicLong();

    ConsulFaults() {
    }

    /** Starts a rule for requests whose path starts with {@code pathPrefix} (e.g. "/v1/", "/v1/health/service/web"). */
    public FaultScope on(String pathPrefix) {
        return new FaultScope(this, pathPrefix, null, FaultRule.UNLIMITED);
    }

    /** Same as {@code on(pathPrefix).inject(fault)}: every matching request until the rule is removed or cleared. */
    public FaultRule inject(String pathPrefix, Fault fault) {
        return on(pathPrefix).inject(fault);
    }

    /** Removes every rule: from the next request on, the simulator answers normally again. */
    public void clear() {
        List<FaultRule> all = new ArrayList<>(rules);
        rules.removeAll(all);
        all.forEach(FaultRule::deactivate);
    }

    /** The rules still in force, in the order they apply. */
    public List<FaultRule> rules() {
        return rules.stream().filter(FaultRule::active).toList();
    }

    /** Total requests that got a fault so far, over all rules (removed ones included). */
    public long hits() {
        return totalHits.get();
    }

    FaultRule add(FaultRule rule) {
        rules.add(rule);
        return rule;
    }

    void remove(FaultRule rule) {
        rules.remove(rule);
    }

    /**
     * The rules that apply to one request (each counted rule gives up one use), leaving out {@code already} (those
     * matched when the request arrived); the search stops at the first error answer or dropped connection.
     */
    List<FaultRule> match(String path, String rawQuery, List<FaultRule> already) {
        if (rules.isEmpty()) {
            return List.of();
        }
        List<FaultRule> matched = new ArrayList<>(2);
        for (FaultRule rule : rules) {
            if (!already.contains(rule) && rule.matches(path, rawQuery) && rule.consume()) {
                matched.add(rule);
                totalHits.incrementAndGet();
                if (!rule.active()) {
                    rules.remove(rule);
                }
                if (rule.fault().kind == Fault.Kind.STATUS || rule.fault().kind == Fault.Kind.DROP) {
                    break; // the request ends here: later rules are neither applied nor used up
                }
            }
        }
        return matched;
    }

    /** Which requests a rule will match and how many times; {@link #inject} creates the rule. Immutable. */
    public static final class FaultScope {
        private final ConsulFaults faults;
        private final String pathPrefix;
        private final String queryParam;
        private final int times;

        private FaultScope(ConsulFaults faults, String pathPrefix, String queryParam, int times) {
            if (pathPrefix == null || !pathPrefix.startsWith("/")) {
                throw new IllegalArgumentException("path prefix must start with '/': " + pathPrefix);
            }
            this.faults = faults;
            this.pathPrefix = pathPrefix;
            this.queryParam = queryParam;
            this.times = times;
        }

        /** Only requests carrying this query parameter, with or without a value (e.g. "stale", "index", "recurse"). */
        public FaultScope withQueryParam(String name) {
            return new FaultScope(faults, pathPrefix, name, times);
        }

        /** Only the next matching request. */
        public FaultScope once() {
            return times(1);
        }

        /** Only the next {@code n} matching requests; then the rule removes itself. */
        public FaultScope times(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("times must be at least 1");
            }
            return new FaultScope(faults, pathPrefix, queryParam, n);
        }

        /** Puts the rule in force for the next matching request on. */
        public FaultRule inject(Fault fault) {
            return faults.add(new FaultRule(faults, pathPrefix, queryParam, times, fault));
        }
    }
}
