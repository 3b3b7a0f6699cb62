package io.lbsync.leader;

import io.lbsync.config.Settings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * lbsync.leader.*: where the lock lives and how long a dead leader keeps it.
 *
 * @param keyPrefix  the lock of namespace N is the K/V key {@code <keyPrefix>/N} (outside the watched K/V prefix)
 * @param sessionTtl a leader that stops renewing loses its session after this (Consul waits up to twice as long)
 * @param lockDelay  after a session is lost, nobody may take its lock for this long (Consul's lock-delay)
 * @param instance   this instance's name, stored as the lock's value so operators see who leads
 */
public record LeaderSettings(String keyPrefix, Duration sessionTtl, Duration lockDelay, String instance) {

    public static LeaderSettings from(Settings s) {
        Duration ttl = s.duration("lbsync.leader.session-ttl", "15s");
        if (ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("lbsync.leader.session-ttl: must be between 10s and 24h (Consul's limits), got " + ttl);
        }
        String prefix = s.string("lbsync.leader.key-prefix", "service/lbsync/leader").replaceAll("^/+|/+$", "");
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("lbsync.leader.key-prefix: must not be empty");
        }
        return new LeaderSettings(prefix, ttl, s.duration("lbsync.leader.lock-delay", "5s"),
                s.string("lbsync.instance-name", hostName()));
    }

    /** How long one watch of the lock may block: short enough to renew the session well within its TTL. */
    public Duration watchWait() {
        return sessionTtl.dividedBy(3);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "lbsync";
        }
    }
}
