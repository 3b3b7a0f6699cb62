package io.lbsync.testsupport;

import io.lbsync.consulsim.ConsulSimulator;
import org.junit.jupiter.api.Assumptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Consul a test talks to: a real cluster when {@code CONSUL_HTTP_ADDR} is set, else an in-JVM
 * {@link ConsulSimulator} (anti-entropy every 200 ms).
 * <p>
 * Real-cluster environment:
 * <ul>
 * <li>{@code CONSUL_HTTP_ADDR}: base URL of the agent used for catalog/health/KV reads; "http://" is added when
 * there is no scheme.</li>
 * <li>{@code LBSYNC_TEST_CONSUL_AGENTS}: the agents a test may register on, as comma-separated {@code node=url}
 * pairs, e.g. {@code node-a=http://10.0.0.1:8500,node-b=http://10.0.0.2:8500} (node = the agent's node name).
 * Unset: the single agent at CONSUL_HTTP_ADDR, named as its /v1/agent/self says.</li>
 * <li>{@code CONSUL_HTTP_TOKEN}: token sent with every request (optional).</li>
 * </ul>
 * On a real cluster the requested node names are not used: tests should use {@link #nodes()}; a test asking
 * for more agents than configured is skipped. {@link #close()} deregisters what the test registered and
 * deletes the keys it wrote.
 */
public final class ConsulTestCluster implements AutoCloseable {
    private final ConsulSimulator simulator;
    private final String url;
    private final Map<String, String> agents;
    private final ConsulHttp http;
    /** "host:port" of Consul's DNS interface; null unless started with {@link #startWithDns}. */
    private String dnsAddress;

    private ConsulTestCluster(ConsulSimulator simulator, String url, Map<String, String> agents, String token) {
        this.simulator = simulator;
        this.url = url;
        this.agents = agents;
        this.http = new ConsulHttp(url, this::agentUrl, token, new ConsulHttp.Tracking());
    }

    public static ConsulTestCluster start(String... nodeNames) {
        String addr = System.getenv("CONSUL_HTTP_ADDR");
        if (addr == null || addr.isBlank()) {
            String[] names = nodeNames.length == 0 ? new String[] {"node-1"} : nodeNames;
            return simulated(ConsulSimulator.builder().agents(names).antiEntropyInterval(Duration.ofMillis(200)), null);
        }
        return real(withScheme(addr.trim()), nodeNames.length);
    }

    /**
     * Like {@link #start}, but simulated nodes get distinct addresses (127.0.0.1, 127.0.0.2, ...) in the catalog, as
     * real agents on different hosts have (their HTTP APIs still all listen on 127.0.0.1).
     */
    public static ConsulTestCluster startWithDistinctNodeAddresses(String... nodeNames) {
        String addr = System.getenv("CONSUL_HTTP_ADDR");
        if (addr != null && !addr.isBlank()) {
            return real(withScheme(addr.trim()), nodeNames.length);
        }
        ConsulSimulator.Builder b = ConsulSimulator.builder().agents(nodeNames).antiEntropyInterval(Duration.ofMillis(200));
        for (int i = 0; i < nodeNames.length; i++) {
            b.nodeAddress(nodeNames[i], "127.0.0." + (i + 1));
        }
        return simulated(b, null);
    }

    /** The nodes holding service ID {@code id} of {@code service} in the catalog (a consistent read), sorted. */
    public List<String> catalogNodes(String service, String id) {
        List<String> nodes = new ArrayList<>();
        http.get("/v1/catalog/service/" + service + "?consistent").requireOk().json().forEach(e -> {
            if (e.path("ServiceID").asText().equals(id)) {
                nodes.add(e.path("Node").asText());
            }
        });
        nodes.sort(null);
        return nodes;
    }

    /** The node's address in the catalog. */
    public String nodeAddress(String node) {
        return http.get("/v1/catalog/node/" + node).requireOk().json().path("Node").path("Address").asText();
    }

    /**
     * Like {@link #start}, with Consul's DNS interface reachable for the test: the simulator's (on a random UDP
     * port), or on a real cluster the address in {@code LBSYNC_TEST_CONSUL_DNS} ("host:port" of the DNS interface of
     * the agent at CONSUL_HTTP_ADDR, e.g. 10.0.0.1:8600); without it the test is skipped.
     */
    public static ConsulTestCluster startWithDns(String... nodeNames) {
        String addr = System.getenv("CONSUL_HTTP_ADDR");
        if (addr == null || addr.isBlank()) {
            String[] names = nodeNames.length == 0 ? new String[] {"node-1"} : nodeNames;
            ConsulTestCluster c = simulated(ConsulSimulator.builder().agents(names).antiEntropyInterval(Duration.ofMillis(200))
                    .dnsPort(0), null);
            c.dnsAddress = c.simulator.dnsAddress();
            return c;
        }
        String dns = System.getenv("LBSYNC_TEST_CONSUL_DNS");
        Assumptions.assumeTrue(dns != null && !dns.isBlank(), "needs LBSYNC_TEST_CONSUL_DNS (host:port of Consul DNS)");
        ConsulTestCluster c = real(withScheme(addr.trim()), nodeNames.length);
        c.dnsAddress = dns.trim();
        return c;
    }

    /** "host:port" of Consul's DNS interface (only with {@link #startWithDns}). */
    public String dnsAddress() {
        if (dnsAddress == null) {
            throw new IllegalStateException("start the cluster with startWithDns(...) to use Consul DNS");
        }
        return dnsAddress;
    }

    /** A simulator built from the given builder (e.g. with ACLs), started; {@code token} is sent by {@link #http()}. */
    public static ConsulTestCluster simulated(ConsulSimulator.Builder builder, String token) {
        ConsulSimulator sim = builder.build().start();
        Map<String, String> agents = new LinkedHashMap<>();
        sim.nodeNames().forEach(n -> agents.put(n, sim.agentUrl(n)));
        return new ConsulTestCluster(sim, sim.url(), agents, token);
    }

    private static ConsulTestCluster real(String url, int agentsWanted) {
        String token = System.getenv("CONSUL_HTTP_TOKEN");
        Map<String, String> agents = new LinkedHashMap<>();
        String list = System.getenv("LBSYNC_TEST_CONSUL_AGENTS");
        if (list != null && !list.isBlank()) {
            for (String pair : list.split(",")) {
                String[] kv = pair.trim().split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("LBSYNC_TEST_CONSUL_AGENTS wants node=url pairs, got: " + pair);
                }
                agents.put(kv[0].trim(), withScheme(kv[1].trim()));
            }
        } else {
            ConsulHttp probe = new ConsulHttp(url, n -> url, token, new ConsulHttp.Tracking());
            String node = probe.get("/v1/agent/self").requireOk().json().path("Config").path("NodeName").asText();
            agents.put(node, url);
        }
        Assumptions.assumeTrue(agents.size() >= agentsWanted,
                "test needs " + agentsWanted + " Consul agents, LBSYNC_TEST_CONSUL_AGENTS gives " + agents.size());
        return new ConsulTestCluster(null, url, agents, token);
    }

    /** A name unique to this run, so tests never collide with each other or with a shared real cluster. */
    public static String unique(String base) {
        return base + "-" + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    private static String withScheme(String addr) {
        return addr.contains("://") ? addr : "http://" + addr;
    }

    public String url() {
        return url;
    }

    public String agentUrl(String node) {
        String u = agents.get(node);
        if (u == null) {
            throw new IllegalArgumentException("no agent for node " + node + "; known: " + agents.keySet());
        }
        return u;
    }

    public List<String> nodes() {
        return new ArrayList<>(agents.keySet());
    }

    public boolean isSimulator() {
        return simulator != null;
    }

    public ConsulSimulator simulator() {
        if (simulator == null) {
            throw new IllegalStateException("running against a real Consul (CONSUL_HTTP_ADDR)");
        }
        return simulator;
    }

    /** Skips the calling test unless it runs against the simulator (for simulator-only features). */
    public ConsulSimulator assumeSimulator() {
        Assumptions.assumeTrue(isSimulator(), "needs the Consul simulator");
        return simulator;
    }

    /** How long an anti-entropy repair may take: 200-400 ms rounds here, 60-120 s on a real agent. */
    public Duration antiEntropyTimeout() {
        return isSimulator() ? Duration.ofSeconds(5) : Duration.ofMinutes(3);
    }

    public ConsulHttp http() {
        return http;
    }

    public void stopConsul() {
        simulator().stop();
    }

    public void startConsul() {
        simulator().start();
    }

    @Override
    public void close() {
        if (simulator != null) {
            simulator.close();
            return;
        }
        ConsulHttp.Tracking t = http.tracking();
        for (Map.Entry<String, String> s : t.services) {
            try {
                http.deregisterService(s.getKey(), s.getValue());
            } catch (RuntimeException ignored) {
                // best effort cleanup
            }
        }
        for (String key : t.keys) {
            try {
                http.kvDelete(key, false);
            } catch (RuntimeException ignored) {
                // best effort cleanup
            }
        }
    }
}
