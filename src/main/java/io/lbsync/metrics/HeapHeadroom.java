package io.lbsync.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns when little heap is left after a full collection. The packaged -Xmx (README, "Memory") is sized for about
 * 2,000 services × 2 instances; a larger catalog needs more, and without this line the first sign would be slow
 * changes (one full collection after another) or an OutOfMemoryError.
 */
public final class HeapHeadroom {
    private static final Logger LOG = LoggerFactory.getLogger(HeapHeadroom.class);
    /** Share of the old generation still in use after a full collection that is too much. */
    static final double TIGHT = 0.8;
    /** Said again at most this often. */
    static final Duration REPEAT = Duration.ofMinutes(10);

    private static final AtomicBoolean WATCHING = new AtomicBoolean();

    private Instant lastWarned;

    /** Watches the old generation of this JVM's heap (whatever the collector) from now on; once per JVM. */
    public static void watch() {
        if (!WATCHING.compareAndSet(false, true)) {
            return;
        }
        HeapHeadroom headroom = new HeapHeadroom();
        boolean any = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            long max = pool.getUsage().getMax();
            if (isOldGeneration(pool) && max > 0) {
                pool.setCollectionUsageThreshold((long) (max * TIGHT));
                any = true;
            }
        }
        if (any) {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener((notification, handback) -> {
                if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(notification.getType())) {
                    MemoryNotificationInfo info = MemoryNotificationInfo.from((CompositeData) notification.getUserData());
                    headroom.afterCollection(info.getPoolName(), info.getUsage().getUsed(), info.getUsage().getMax(), Instant.now());
                }
            }, null, null);
        }
    }

    /** The pool objects live on after young collections: the one whose use after a full collection is the live heap. */
    static boolean isOldGeneration(MemoryPoolMXBean pool) {
        String name = pool.getName();
        return pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported() && !name.contains("Eden")
                && !name.contains("Survivor");
    }

    /** @return whether it warned (at most once every {@link #REPEAT}) */
    synchronized boolean afterCollection(String pool, long used, long max, Instant now) {
        if (max <= 0 || used < max * TIGHT || (lastWarned != null && now.isBefore(lastWarned.plus(REPEAT)))) {
            return false;
        }
        lastWarned = now;
        LOG.warn("event=heap-tight pool=\"{}\" live_mb={} max_mb={} action=\"raise -Xmx (README, Memory): with this little "
                + "room the JVM collects again and again, and changes reach the proxies late\"", pool, used >> 20, max >> 20);
        return true;
    }
}
