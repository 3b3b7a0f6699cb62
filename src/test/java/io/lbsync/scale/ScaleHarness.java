package io.lbsync.scale;

import io.lbsync.consulsim.CheckDefinition;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.ServiceDefinition;
import io.lbsync.testsupport.TcpConnections;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/** Shared by the scale test and the benchmarks: many services in the simulator (Java API, no HTTP), sampling, timing. */
final class ScaleHarness {
    private ScaleHarness() {
    }

    static String serviceName(int i) {
        return "svc" + i;
    }

    static String instanceId(int service, int instance) {
        return "svc" + service + "-" + instance;
    }

    /** A port unique to (service, instance), so a marker " id 127.0.0.1:port\n" names exactly one server line. */
    static int port(int service, int instance) {
        return 10_000 + (service * 50 + instance) % 50_000;
    }

    static String checkId(int service, int instance) {
        return "check-" + instanceId(service, instance);
    }

    /** The server line of one instance in the rendered HAProxy config. */
    static String marker(int service, int instance, int port) {
        return " " + instanceId(service, instance) + " 127.0.0.1:" + port + " weight 1\n";
    }

    /** Polls the file about every millisecond; the nanoTime the condition first held, or 0 after the deadline. */
    static long waitForFile(Path file, Predicate<String> condition, long deadlineNanos) throws IOException {
        while (System.nanoTime() < deadlineNanos) {
            String text;
            try {
                text = Files.readString(file);
            } catch (NoSuchFileException e) {
                text = "";
            }
            long now = System.nanoTime();
            if (condition.test(text)) {
                return now;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return 0;
    }

    static long percentile(List<Long> values, int pct) {
        List<Long> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(pct / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /**
     * Samples, every {@code everyMillis}, the open TCP connections from 127.0.0.1 to the agent's address and port (what
     * Consul's per-client limit counts) and, on the simulator, its requests in flight from 127.0.0.1; keeps the maxima.
     */
    static final class ConnectionSampler implements AutoCloseable {
        private final String host;
        private final int port;
        private final Thread thread;
        private final AtomicInteger maxTcp = new AtomicInteger();
        private final AtomicInteger maxInFlight = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        private final List<Integer> tcpSeen = new ArrayList<>();
        private volatile boolean running = true;

        ConnectionSampler(ScaleConsul consul, long everyMillis) {
            this.host = consul.agentHost();
            this.port = consul.agentPort();
            this.thread = new Thread(() -> {
                while (running) {
                    int tcp = TcpConnections.established(host, port, "127.0.0.1");
                    int inFlight = consul.inFlight();
                    maxTcp.accumulateAndGet(tcp, Math::max);
                    maxInFlight.accumulateAndGet(inFlight, Math::max);
                    samples.incrementAndGet();
                    synchronized (tcpSeen) {
                        tcpSeen.add(tcp);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(everyMillis));
                }
            }, "connection-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** Starts a new phase: maxima back to 0. */
        void reset() {
            maxTcp.set(0);
            maxInFlight.set(0);
            samples.set(0);
            synchronized (tcpSeen) {
                tcpSeen.clear();
            }
        }

        int maxTcp() {
            return maxTcp.get();
        }

        int maxInFlight() {
            return maxInFlight.get();
        }

        int samples() {
            return samples.get();
        }

        /** The median of the TCP samples of this phase (the usual number, as opposed to the peak). */
        int medianTcp() {
            synchronized (tcpSeen) {
                if (tcpSeen.isEmpty()) {
                    return 0;
                }
                List<Integer> sorted = tcpSeen.stream().sorted().toList();
                return sorted.get(sorted.size() / 2);
            }
        }

        int nowTcp() {
            return TcpConnections.established(host, port, "127.0.0.1");
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(1_000);
        }
    }
}
