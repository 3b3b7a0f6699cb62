package io.lbsync.watch;

import io.lbsync.render.SafeValues;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services Consul lists but cannot serve back (see {@link ServiceUnreadableException}): each is left out of — or
 * keeps its last good instances in — the snapshot while every other service goes on. Retried every
 * {@link #RETRY} (and at once when the catalog says it changed); logged once per new failure, with the name escaped.
 * Thread-safe; shared through {@link WatchHealth}.
 */
public final class UnreadableServices {
    /** How often an unreadable service is read again when nothing says it changed. */
    public static final Duration RETRY = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(UnreadableServices.class);

    /** One unreadable service: why, since when, and when it is read again. */
    public record Entry(String service, String reason, Instant since, Instant retryAt, boolean keptLastGood) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();

    /** Records a failed read; logs and counts it when the service was readable before or failed otherwise. */
    void failed(String service, Throwable e, boolean keptLastGood, Instant now) {
        String reason = WatchHealth.describe(e);
        Entry old = entries.get(service);
        entries.put(service, new Entry(service, reason, old == null ? now : old.since(), now.plus(RETRY), keptLastGood));
        if (old == null || !old.reason().equals(reason)) {
            failures.incrementAndGet();
            LOG.warn("event=service-unreadable service={} kept_last_good={} retry_in_s={} error=\"{}\" (left out; every other "
                            + "service goes on)", SafeValues.escapedForLog(service), keptLastGood, RETRY.toSeconds(),
                    SafeValues.quotedForLog(reason));
        }
    }

    /** The service was read: no longer unreadable. */
    void readable(String service) {
        if (entries.remove(service) != null) {
            LOG.info("event=service-readable service={}", SafeValues.escapedForLog(service));
        }
    }

    /** Forgets services that left the catalog. */
    void retainAll(Set<String> services) {
        entries.keySet().retainAll(services);
    }

    /** True while {@code service} failed and its next try is not due yet. */
    boolean waiting(String service, Instant now) {
        Entry e = entries.get(service);
        return e != null && now.isBefore(e.retryAt());
    }

    /** Unreadable services whose next try is due. */
    Set<String> due(Instant now) {
        Set<String> due = new java.util.TreeSet<>();
        entries.values().forEach(e -> {
            if (!now.isBefore(e.retryAt())) {
                due.add(e.service());
            }
        });
        return due;
    }

    /** When the next try of any unreadable service is due; null when there is none. */
    Instant nextRetry() {
        return entries.values().stream().map(Entry::retryAt).min(Instant::compareTo).orElse(null);
    }

    /** Name → entry, sorted by name. */
    public Map<String, Entry> entries() {
        return new TreeMap<>(entries);
    }

    public int count() {
        return entries.size();
    }

    /** New failures since start (a service failing again for the same reason counts once). */
    public long failures() {
        return failures.get();
    }
}
