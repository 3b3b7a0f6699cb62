package io.lbsync.scale;

import io.lbsync.consulsim.CheckDefinition;
import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.ServiceDefinition;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The Consul a scale test drives, by service and instance number ({@link ScaleHarness} names them): the simulator
 * through its Java API (which also counts requests), or a real cluster through the HTTP API of an agent other than
 * the one lbsync reads from, so that the test's own connections are not counted as lbsync's.
 */
abstract class ScaleConsul {
    /** Where lbsync's connections go: the agent's address and port. */
    abstract String agentHost();

    abstract int agentPort();

    abstract void register(int service, int instance, int port);

    abstract void setCheck(int service, int instance, String status);

    abstract void deregister(int service, int instance);

    abstract void putKv(String key, String value);

    /** HTTP requests the agent answered so far; -1 where that cannot be known (real Consul). */
    abstract long requestCount();

    /** Requests in flight from 127.0.0.1; -1 where that cannot be known. */
    abstract int inFlight();

    /** Registers {@code services} services of {@code instances} passing instances each (TTL check). */
    void populate(int services, int instances) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallelism());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < services; s++) {
                for (int i = 0; i < instances; i++) {
                    int service = s;
                    int instance = i;
                    done.add(pool.submit(() -> register(service, instance, ScaleHarness.port(service, instance))));
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    abstract int parallelism();

    static ScaleConsul of(ConsulTestCluster cluster) {
        if (cluster.isSimulator()) {
            return new Simulated(cluster.simulator(), cluster.nodes().get(0));
        }
        List<String> nodes = cluster.nodes();
        // lbsync reads from nodes().get(0); the services live on another agent when there is one
        return new Real(cluster, nodes.size() > 1 ? nodes.get(nodes.size() - 1) : nodes.get(0));
    }

    private static final class Simulated extends ScaleConsul {
        private final ConsulSimulator sim;
        private final String node;

        Simulated(ConsulSimulator sim, String node) {
            this.sim = sim;
            this.node = node;
        }

        @Override
        String agentHost() {
            return URI.create(sim.url()).getHost();
        }

        @Override
        int agentPort() {
            return URI.create(sim.url()).getPort();
        }

        @Override
        void register(int service, int instance, int port) {
            sim.registerService(node, ServiceDefinition.of(ScaleHarness.instanceId(service, instance), ScaleHarness.serviceName(service),
                            "127.0.0.1", port).withTags("lbsync.host=" + ScaleHarness.serviceName(service) + ".test")
                    .withCheck(CheckDefinition.ttl(Duration.ofMinutes(30)).withId(ScaleHarness.checkId(service, instance))
                            .withStatus("passing")));
        }

        @Override
        void setCheck(int service, int instance, String status) {
            sim.setCheckStatus(node, ScaleHarness.checkId(service, instance), status, "");
        }

        @Override
        void deregister(int service, int instance) {
            sim.deregisterService(node, ScaleHarness.instanceId(service, instance));
        }

        @Override
        void putKv(String key, String value) {
            sim.putKv(key, value);
        }

        @Override
        long requestCount() {
            return sim.requestCount();
        }

        @Override
        int inFlight() {
            return sim.activeConnections("127.0.0.1");
        }

        @Override
        int parallelism() {
            return 1; // the Java API takes a lock anyway
        }
    }

    private static final class Real extends ScaleConsul {
        private final ConsulTestCluster cluster;
        private final ConsulHttp http;
        private final String node;

        Real(ConsulTestCluster cluster, String node) {
            this.cluster = cluster;
            // every write (K/V included) goes to the services' agent: lbsync's agent sees only lbsync's connections
            this.http = cluster.http().via(node);
            this.node = node;
        }

        @Override
        String agentHost() {
            return URI.create(cluster.url()).getHost();
        }

        @Override
        int agentPort() {
            return URI.create(cluster.url()).getPort();
        }

        @Override
        void register(int service, int instance, int port) {
            String id = ScaleHarness.instanceId(service, instance);
            http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + ScaleHarness.serviceName(service) + "\",\"Address\":\"127.0.0.1\","
                    + "\"Port\":" + port + ",\"Tags\":[\"lbsync.host=" + ScaleHarness.serviceName(service) + ".test\"],"
                    + "\"Check\":{\"CheckID\":\"" + ScaleHarness.checkId(service, instance) + "\",\"TTL\":\"30m\",\"Status\":\"passing\"}}")
                    .requireOk();
        }

        @Override
        void setCheck(int service, int instance, String status) {
            String check = ScaleHarness.checkId(service, instance);
            (switch (status) {
                case "passing" -> http.passCheck(node, check, null);
                case "warning" -> http.warnCheck(node, check, null);
                default -> http.failCheck(node, check, null);
            }).requireOk();
        }

        @Override
        void deregister(int service, int instance) {
            http.deregisterService(node, ScaleHarness.instanceId(service, instance)).requireOk();
        }

        @Override
        void putKv(String key, String value) {
            http.kvPut(key, value);
        }

        @Override
        long requestCount() {
            return -1;
        }

        @Override
        int inFlight() {
            return -1;
        }

        @Override
        int parallelism() {
            return 8;
        }
    }
}
