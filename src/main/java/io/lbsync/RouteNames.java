package io.lbsync;

import java.util.Set;

/**
 * Every exchange header and property name that the routes in routes/*.yaml and the Java steps share: the contract
 * between them, in one place (like Camel's own *Constants classes). RouteNamesTest fails when a route uses a name that
 * is not declared here.
 */
public final class RouteNames {
    /** Property: the target a run of the install route is for (set by routes/targets.yaml from its template parameter). */
    public static final String TARGET = "lbsyncTarget";
    /** Header: true when the implausible-change guard holds the state back (the route stops). */
    public static final String HELD = "lbsyncHeld";
    /** Header: true when the rendered config differs from the live file (the route goes on to stage and install). */
    public static final String CHANGED = "lbsyncChanged";
    /** Header: true when HAProxy's runtime API applied the change (no reload needed). */
    public static final String RUNTIME_APPLIED = "lbsyncRuntimeApplied";
    /** Header: the Consul index of a snapshot a consul-watch endpoint hands on. */
    public static final String CONSUL_INDEX = "lbsyncConsulIndex";
    /** Property: when a quiesce: consumer should run the same exchange again (a held or failed run). */
    public static final String RETRY_AFTER = "quiesceRetryAfter";

    /** The names a route may use. */
    public static final Set<String> ALL = Set.of(TARGET, HELD, CHANGED, RUNTIME_APPLIED, CONSUL_INDEX, RETRY_AFTER);

    private RouteNames() {
    }
}
