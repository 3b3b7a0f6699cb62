package io.lbsync.render;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * Untrusted values from Consul that were kept out of a config, counted by field (a small, fixed set of labels, so
 * it can be exported as a metric: {@code lbsync_rejected_values_total{field="address"}}), and logged.
 *
 * <p>Each rejection is logged (and counted) once when it appears, not on every render while the same value stays:
 * a render reports what it rejected with {@link #report}, and only what the previous render of the same target (or
 * the latest render of another target) did not already reject is new. A value that is fixed and later breaks again
 * is new again. Thread-safe; memory is bounded by what the latest renders rejected.
 */
public final class RejectedValues {
    /** What was rejected: the label of the metric. Low cardinality by construction. */
    public enum Field {
        /** an instance's service (or node) address: not an IPv4/IPv6 literal or DNS name */
        ADDRESS("address"),
        /** an instance's port: not 1-65535 */
        PORT("port"),
        /** a host name from the tag lbsync.host= or the meta lbsync-host */
        HOST("host"),
        /** an environment declaration (tag env= / meta env): invalid or conflicting */
        ENV("env"),
        /** a K/V site value: not JSON, not an object */
        SITE_JSON("site_json"),
        /** a K/V site's server_names */
        SITE_SERVER_NAMES("site_server_names"),
        /** a K/V site's listen port */
        SITE_LISTEN("site_listen"),
        /** a K/V site's routes (paths, service names) */
        SITE_ROUTES("site_routes");

        private final String label;

        Field(String label) {
            this.label = label;
        }

        /** The metric label value. */
        public String label() {
            return label;
        }
    }

    /**
     * One rejected value.
     *
     * @param field   what kind of value
     * @param source  the class whose logger reports it (log configuration and tests select on it)
     * @param message the complete key=value log line; every untrusted part already made log-safe
     *                ({@link SafeValues#forLog}, {@link SafeValues#identifier})
     * @param value   the untrusted value itself (never logged): with the message, what tells two rejections apart, so
     *                a value replaced by another invalid one is reported again
     */
    public record Rejection(Field field, Class<?> source, String message, String value) {
    }

    private static final RejectedValues SHARED = new RejectedValues();

    private final Map<Field, LongAdder> counts = new EnumMap<>(Field.class);
    /** per target (scope): the rejections of its latest render */
    private final Map<String, Set<Rejection>> latest = new HashMap<>();

    public RejectedValues() {
        for (Field f : Field.values()) {
            counts.put(f, new LongAdder());
        }
    }

    /** The instance every {@link TemplateModelBuilder} of the running application reports to (bind it to a metric). */
    public static RejectedValues shared() {
        return SHARED;
    }

    /** Rejections of this field since start (each distinct rejection counted once when it appeared). */
    public long count(Field field) {
        return counts.get(field).sum();
    }

    /** Same as {@link #count(Field)}, by label ("address", "site_listen", ...); 0 for an unknown label. */
    public long count(String label) {
        for (Field f : Field.values()) {
            if (f.label().equals(label)) {
                return count(f);
            }
        }
        return 0;
    }

    /** All rejections since start. */
    public long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** label → count, every field present (0 included), in a fixed order. */
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Field f : Field.values()) {
            m.put(f.label(), count(f));
        }
        return m;
    }

    /** How many values of this field the latest renders (all targets together) left out: a gauge. */
    public synchronized int current(Field field) {
        Set<Rejection> all = new HashSet<>();
        latest.values().forEach(all::addAll);
        return (int) all.stream().filter(r -> r.field() == field).count();
    }

    /**
     * Called once per render with everything it rejected. Logs and counts those that are new: not rejected by the
     * previous render of this target, nor by the latest render of another target (two targets render the same
     * Consul state: one log line, one count).
     *
     * @param scope the target ("haproxy", "nginx")
     * @return the rejections that were new
     */
    public List<Rejection> report(String scope, Collection<Rejection> rejections) {
        List<Rejection> fresh = new ArrayList<>();
        synchronized (this) {
            Set<Rejection> now = new HashSet<>(rejections);
            Set<Rejection> before = latest.getOrDefault(scope, Set.of());
            for (Rejection r : now) {
                if (!before.contains(r) && latest.entrySet().stream().noneMatch(e -> !e.getKey().equals(scope) && e.getValue().contains(r))) {
                    fresh.add(r);
                }
            }
            if (now.isEmpty()) {
                latest.remove(scope);
            } else {
                latest.put(scope, now);
            }
        }
        for (Rejection r : fresh) {
            counts.get(r.field()).increment();
            LoggerFactory.getLogger(r.source()).warn("{}", r.message());
        }
        return fresh;
    }

    /** Collects the rejections of one render (not thread-safe: one per render). */
    static final class Collector {
        private final Set<Rejection> rejections = new java.util.LinkedHashSet<>();

        void reject(Field field, Class<?> source, String message, String value) {
            rejections.add(new Rejection(field, source, message, value));
        }

        void addAll(java.util.Collection<Rejection> more) {
            rejections.addAll(more);
        }

        Set<Rejection> rejections() {
            return rejections;
        }
    }
}
