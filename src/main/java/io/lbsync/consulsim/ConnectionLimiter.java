package io.lbsync.consulsim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consul's http_max_conns_per_client (default 200). Consul counts open TCP connections; the simulator counts
 * in-flight requests per client IP, which is what long polls occupy. A refused request is not counted.
 */
final class ConnectionLimiter {
    static final String TOO_MANY = "Your IP is issuing too many concurrent connections, please rate limit your calls\n";

    private final int maxPerClient;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    ConnectionLimiter(int maxPerClient) {
        this.maxPerClient = maxPerClient;
    }

    boolean tryAcquire(String ip) {
        AtomicInteger count = inFlight.computeIfAbsent(ip, k -> new AtomicInteger());
        while (true) {
            int current = count.get();
            if (current >= maxPerClient) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release(String ip) {
        AtomicInteger count = inFlight.get(ip);
        if (count != null) {
            count.decrementAndGet();
        }
    }

    int active(String ip) {
        AtomicInteger count = inFlight.get(ip);
        return count == null ? 0 : count.get();
    }
}
