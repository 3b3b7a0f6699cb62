package io.lbsync;

import java.util.Set;

/**
 * Every exchange header and property name that the routes in routes/*.yaml and the Java steps share, in one place
 * (like Camel's own *Constants classes). Little is left: the install route's steps pass one typed body
 * ({@link io.lbsync.install.InstallRun}). RouteNamesTest fails when a route uses a header, a property, a body property
 * or a bean method that the Java side does not declare.
 */
public final class RouteNames {
    /** Header: the Consul index of a snapshot a consul-watch endpoint hands on. */
    public static final String CONSUL_INDEX = "lbsyncConsulIndex";
    /** Property: when a quiesce: consumer should run the same exchange again (a held or failed run). */
    public static final String RETRY_AFTER = "quiesceRetryAfter";
    /** Camel's header for the freemarker: component's data model (FreemarkerConstants.FREEMARKER_DATA_MODEL). */
    public static final String FREEMARKER_DATA_MODEL = "CamelFreemarkerDataModel";
    /** The HTTP answer's content type (routes/status.yaml, duplicate-cleanup.yaml). */
    public static final String CONTENT_TYPE = "Content-Type";
    /** The status page's answers (routes/status.yaml): only lbsync's own script and style run, no inline script. */
    public static final String CONTENT_SECURITY_POLICY = "Content-Security-Policy";
    /** The status page's answers: the browser takes the Content-Type as given. */
    public static final String CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";
    /** The status page's answers: no Referer to other sites. */
    public static final String REFERRER_POLICY = "Referrer-Policy";
    /** The status page's answers: revalidated on every load. */
    public static final String CACHE_CONTROL = "Cache-Control";

    /** The names a route may use. */
    public static final Set<String> ALL = Set.of(CONSUL_INDEX, RETRY_AFTER, FREEMARKER_DATA_MODEL, CONTENT_TYPE,
            CONTENT_SECURITY_POLICY, CONTENT_TYPE_OPTIONS, REFERRER_POLICY, CACHE_CONTROL);

    private RouteNames() {
    }
}
