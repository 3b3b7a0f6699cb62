package io.lbsync.testsupport;

import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.TokenPolicy;
import org.junit.jupiter.api.Assumptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Consul a test talks to. Which one, in this order:
 * <ol>
 * <li>the system property or environment variable {@code lbsync.test.consul} / {@code LBSYNC_TEST_CONSUL} says
 * {@code simulator} (the unit-test phase sets it): the simulator;</li>
 * <li>{@code CONSUL_HTTP_ADDR} set: that external cluster (see below);</li>
 * <li>else a real cluster this test JVM starts on loopback ({@link LocalConsul}: one server, two clients), when a
 * {@code consul} binary is found ({@code LBSYNC_TEST_CONSUL_BIN}, else PATH);</li>
 * <li>else the in-JVM {@link ConsulSimulator} (anti-entropy every 200 ms).</li>
 * </ol>
 * {@code LBSYNC_TEST_CONSUL=real} makes a missing binary an error instead of a fallback; {@code real-or-skip} (the
 * conformance run) skips the test instead.
 * <p>
 * External-cluster environment:
 * <ul>
 * <li>{@code CONSUL_HTTP_ADDR}: base URL of the agent used for catalog/health/KV reads; "http://" is added when
 * there is no scheme.</li>
 * <li>{@code LBSYNC_TEST_CONSUL_AGENTS}: the agents a test may register on, as comma-separated {@code node=url}
 * pairs, e.g. {@code node-a=http://10.0.0.1:8500,node-b=http://10.0.0.2:8500} (node = the agent's node name).
 * Unset: the single agent at CONSUL_HTTP_ADDR, named as its /v1/agent/self says.</li>
 * <li>{@code CONSUL_HTTP_TOKEN}: token sent with every request (optional).</li>
 * <li>{@code LBSYNC_TEST_CONSUL_DNS}: "host:port" of that agent's DNS interface (DNS tests skip without it).</li>
 * </ul>
 * On a real cluster the requested node names are not used: tests should use {@link #nodes()}; a test asking
 * for more agents than there are is skipped. {@link #close()} deregisters what the test registered and
 * deletes the keys it wrote; the cluster itself lives as long as the JVM.
 */
public final class ConsulTestCluster implements AutoCloseable {
    /** Which Consul the tests of this JVM use. */
    public enum Backend {
        SIMULATOR, LOCAL, EXTERNAL;

        public static Backend current() {
            String wanted = System.getProperty("lbsync.test.consul", System.getenv().getOrDefault("LBSYNC_TEST_CONSUL", "auto"));
            if (wanted.trim().equalsIgnoreCase("simulator")) {
                return SIMULATOR; // asked for by name (the unit-test phase, or the user): even with CONSUL_HTTP_ADDR
            }
            String addr = System.getenv("CONSUL_HTTP_ADDR");
            if (addr != null && !addr.isBlank()) {
                return EXTERNAL;
            }
            switch (wanted.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "real":
                    if (LocalConsul.binary().isEmpty()) {
                        throw new IllegalStateException("LBSYNC_TEST_CONSUL=real but no consul binary (LBSYNC_TEST_CONSUL_BIN or PATH)");
                    }
                    return LOCAL;
                case "real-or-skip":
                    Assumptions.assumeFalse("simulator".equalsIgnoreCase(System.getenv("LBSYNC_TEST_CONSUL")),
                            "LBSYNC_TEST_CONSUL=simulator: real-Consul run skipped");
                    Assumptions.assumeTrue(LocalConsul.binary().isPresent(), "no consul binary (LBSYNC_TEST_CONSUL_BIN or PATH): real-Consul run skipped");
                    return LOCAL;
                case "auto":
                case "":
                    return LocalConsul.binary().isPresent() ? LOCAL : SIMULATOR;
                default:
                    throw new IllegalArgumentException("lbsync.test.consul / LBSYNC_TEST_CONSUL: simulator, real or auto, not '" + wanted + "'");
            }
        }
    }

    private final ConsulSimulator simulator;
    private final LocalConsul local;
    private final String url;
    private final Map<String, String> agents;
    private final String token;
    private final ConsulHttp http;
    /** Token secret → accessor ID of the tokens this cluster created on a real Consul. */
    private final Map<String, String> createdTokens = new LinkedHashMap<>();
    /** "host:port" of Consul's DNS interface; null unless started with {@link #startWithDns}. */
    private String dnsAddress;
    /** The second datacenter; null unless started with {@link #startWithSecondDatacenter}. */
    private Datacenter secondDatacenter;

    /**
     * Another datacenter of the cluster: its name, the node of its agent and that agent's URL (register services in
     * that datacenter there), and a client of that agent whose registrations and keys {@link #close()} removes.
     */
    public record Datacenter(String name, String node, String url, ConsulHttp http) {
    }

    private ConsulTestCluster(ConsulSimulator simulator, LocalConsul local, String url, Map<String, String> agents, String token) {
        this.simulator = simulator;
        this.local = local;
        this.url = url;
        this.agents = agents;
        this.token = token;
        this.http = new ConsulHttp(url, this::agentUrl, token, new ConsulHttp.Tracking());
    }

    public static ConsulTestCluster start(String... nodeNames) {
        return switch (Backend.current()) {
            case EXTERNAL -> external(nodeNames.length);
            case LOCAL -> local(LocalConsul.plain(), nodeNames.length, null);
            case SIMULATOR -> {
                String[] names = nodeNames.length == 0 ? new String[] {"node-1"} : nodeNames;
                yield simulated(ConsulSimulator.builder().agents(names).antiEntropyInterval(Duration.ofMillis(200)), null);
            }
        };
    }

    /**
     * Like {@link #start}, but simulated nodes get distinct addresses (127.0.0.1, 127.0.0.2, ...) in the catalog, as
     * real agents on different hosts have (their HTTP APIs still all listen on 127.0.0.1).
     */
    public static ConsulTestCluster startWithDistinctNodeAddresses(String... nodeNames) {
        if (Backend.current() != Backend.SIMULATOR) {
            return start(nodeNames);
        }
        ConsulSimulator.Builder b = ConsulSimulator.builder().agents(nodeNames).antiEntropyInterval(Duration.ofMillis(200));
        for (int i = 0; i < nodeNames.length; i++) {
            b.nodeAddress(nodeNames[i], "127.0.0." + (i + 1));
        }
        return simulated(b, null);
    }

    /**
     * Like {@link #start}, on a cluster whose anti-entropy {@link #triggerAntiEntropy} can start at once: the local
     * cluster with ACLs (its management token is then {@link #token()}); the simulator (200 ms rounds) or an external
     * cluster (60-120 s) otherwise.
     */
    public static ConsulTestCluster startWithFastAntiEntropy(String... nodeNames) {
        if (Backend.current() == Backend.LOCAL) {
            return local(LocalConsul.acl(), nodeNames.length, LocalConsul.MASTER_TOKEN);
        }
        return startWithDistinctNodeAddresses(nodeNames);
    }

    /**
     * A cluster with ACLs in default-deny mode; {@link #http()} uses the management token ({@link #token()}).
     * Simulator: built from {@code builder} (its ACL master token set here). External cluster: skipped (the test
     * creates tokens and policies). Tokens are made with {@link #addToken}.
     */
    public static ConsulTestCluster startWithAcl(ConsulSimulator.Builder builder, int agentsWanted) {
        return switch (Backend.current()) {
            case EXTERNAL -> {
                Assumptions.abort("creates ACL tokens and policies: not done on an external cluster");
                yield null;
            }
            case LOCAL -> local(LocalConsul.acl(), agentsWanted, LocalConsul.MASTER_TOKEN);
            case SIMULATOR -> simulated(builder.aclMasterToken(LocalConsul.MASTER_TOKEN), LocalConsul.MASTER_TOKEN);
        };
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

    /**
     * Deregisters every instance of {@code service} on the agent that owns it: for registrations a test did not make
     * through {@link #http()} (e.g. through lbsync's registration guard), which {@link #close()} cannot know of.
     */
    public void deregisterEverywhere(String service) {
        http.get("/v1/catalog/service/" + service).requireOk().json().forEach(e -> {
            String node = e.path("Node").asText();
            if (agents.containsKey(node)) {
                http.deregisterService(node, e.path("ServiceID").asText());
            }
        });
    }

    /** The node's address in the catalog. */
    public String nodeAddress(String node) {
        return http.get("/v1/catalog/node/" + node).requireOk().json().path("Node").path("Address").asText();
    }

    /**
     * Like {@link #start}, with Consul's DNS interface reachable for the test: the simulator's (on a random UDP
     * port), the local agent's, or on an external cluster the address in {@code LBSYNC_TEST_CONSUL_DNS}
     * ("host:port" of the DNS interface of the agent at CONSUL_HTTP_ADDR, e.g. 10.0.0.1:8600); without it the test
     * is skipped.
     */
    public static ConsulTestCluster startWithDns(String... nodeNames) {
        switch (Backend.current()) {
            case SIMULATOR -> {
                String[] names = nodeNames.length == 0 ? new String[] {"node-1"} : nodeNames;
                ConsulTestCluster c = simulated(ConsulSimulator.builder().agents(names).antiEntropyInterval(Duration.ofMillis(200))
                        .dnsPort(0), null);
                c.dnsAddress = c.simulator.dnsAddress();
                return c;
            }
            case LOCAL -> {
                ConsulTestCluster c = start(nodeNames);
                c.dnsAddress = c.local.dnsAddress();
                return c;
            }
            default -> {
                String dns = System.getenv("LBSYNC_TEST_CONSUL_DNS");
                Assumptions.assumeTrue(dns != null && !dns.isBlank(), "needs LBSYNC_TEST_CONSUL_DNS (host:port of Consul DNS)");
                ConsulTestCluster c = external(nodeNames.length);
                c.dnsAddress = dns.trim();
                return c;
            }
        }
    }

    /**
     * Like {@link #start}, on the local cluster (datacenter dc1) federated over WAN with a second real datacenter, dc2
     * ({@link SecondDatacenter}: one server agent, started on first use): {@link #secondDatacenter()} gives it,
     * {@link #stopSecondDatacenter} / {@link #startSecondDatacenter} stop and start its process,
     * {@link #pauseSecondDatacenter} / {@link #resumeSecondDatacenter} SIGSTOP and SIGCONT it. {@link #close()} leaves
     * it running and federated, without what the test registered there. Skipped on the simulator and on an external
     * cluster: multiple datacenters are tested on real Consul only.
     */
    public static ConsulTestCluster startWithSecondDatacenter(String... nodeNames) {
        Backend backend = Backend.current();
        Assumptions.assumeTrue(backend == Backend.LOCAL, "needs a second Consul datacenter joined over WAN, which only the real "
                + "cluster the test run starts has (multi-datacenter is tested on real Consul only); this run uses " + backend);
        ConsulTestCluster c = local(LocalConsul.plain(), nodeNames.length, null);
        SecondDatacenter dc2 = c.local.secondDatacenter();
        dc2.restore(); // running and federated, whatever an earlier test left (every agent stopped, dc2 paused)
        ConsulHttp http = new ConsulHttp(dc2.url(), node -> {
            if (!node.equals(dc2.node())) {
                throw new IllegalArgumentException("no agent " + node + " in " + dc2.name() + "; its agent is " + dc2.node());
            }
            return dc2.url();
        }, null, new ConsulHttp.Tracking());
        c.secondDatacenter = new Datacenter(dc2.name(), dc2.node(), dc2.url(), http);
        return c;
    }

    /** The second datacenter (only with {@link #startWithSecondDatacenter}). */
    public Datacenter secondDatacenter() {
        if (secondDatacenter == null) {
            throw new IllegalStateException("start the cluster with startWithSecondDatacenter(...) to use a second datacenter");
        }
        return secondDatacenter;
    }

    /** Stops the second datacenter's server process (SIGTERM); it stays a failed member of the WAN pool. */
    public void stopSecondDatacenter() {
        localSecondDatacenter().stop();
    }

    /** Starts the second datacenter's server again with its state, and waits until dc1 reads it again. */
    public void startSecondDatacenter() {
        localSecondDatacenter().start();
    }

    /** SIGSTOP to the second datacenter's server: it hangs, nothing it is asked is answered. */
    public void pauseSecondDatacenter() {
        localSecondDatacenter().pause();
    }

    /** SIGCONT after {@link #pauseSecondDatacenter}, and waits until dc1 reads the second datacenter again. */
    public void resumeSecondDatacenter() {
        localSecondDatacenter().resume();
    }

    private SecondDatacenter localSecondDatacenter() {
        secondDatacenter();
        return local.secondDatacenter();
    }

    /** "host:port" of Consul's DNS interface (only with {@link #startWithDns}). */
    public String dnsAddress() {
        if (dnsAddress == null) {
            throw new IllegalStateException("start the cluster with startWithDns(...) to use Consul DNS");
        }
        return dnsAddress;
    }

    /**
     * A simulator built from the given builder (e.g. with faults or a small connection cap), started; {@code token} is
     * sent by {@link #http()}. For what only the simulator can do: in the real-Consul conformance run the test skips.
     */
    public static ConsulTestCluster simulated(ConsulSimulator.Builder builder, String token) {
        Assumptions.assumeFalse("real-or-skip".equals(System.getProperty("lbsync.test.consul")),
                "simulator-only test: not part of the real-Consul conformance run");
        ConsulSimulator sim = builder.build().start();
        Map<String, String> agents = new LinkedHashMap<>();
        sim.nodeNames().forEach(n -> agents.put(n, sim.agentUrl(n)));
        // which tests use the simulator matters where real Consul is the rule (not in the unit phase, all simulator)
        TestBackendReport.record("consul: simulator" + ("simulator".equals(System.getProperty("lbsync.test.consul")) ? ""
                : " (" + callingTest() + ")"));
        return new ConsulTestCluster(sim, null, sim.url(), agents, token);
    }

    /** The test class that asked for a cluster, for the report of which Consul each test used. */
    private static String callingTest() {
        return StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                .filter(c -> c.endsWith("IT") || c.endsWith("Test") || c.endsWith("Bench")).findFirst()
                .map(c -> c.substring(c.lastIndexOf('.') + 1)).orElse("?"));
    }

    private static ConsulTestCluster local(LocalConsul consul, int agentsWanted, String token) {
        Map<String, String> agents = new LinkedHashMap<>();
        // the local agent first: tests register on nodes().get(0) most often, as a service on lbsync's host would
        agents.put(consul.localAgent().node(), consul.localAgent().url());
        consul.agents().forEach(a -> agents.putIfAbsent(a.node(), a.url()));
        Assumptions.assumeTrue(agents.size() >= agentsWanted, "test needs " + agentsWanted + " Consul agents, the local cluster has "
                + agents.size());
        return new ConsulTestCluster(null, consul, consul.localAgent().url(), agents, token);
    }

    private static ConsulTestCluster external(int agentsWanted) {
        String url = withScheme(System.getenv("CONSUL_HTTP_ADDR").trim());
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
        TestBackendReport.record("consul: external " + url + ", " + agents.size() + " agents");
        Assumptions.assumeTrue(agents.size() >= agentsWanted,
                "test needs " + agentsWanted + " Consul agents, LBSYNC_TEST_CONSUL_AGENTS gives " + agents.size());
        return new ConsulTestCluster(null, null, url, agents, token);
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

    /** True on a cluster given by CONSUL_HTTP_ADDR (neither started by this JVM nor the simulator). */
    public boolean isExternal() {
        return simulator == null && local == null;
    }

    /** True on the real cluster this JVM started (its agents can be stopped, suspended and restarted). */
    public boolean isLocal() {
        return local != null;
    }

    /** The token {@link #http()} sends (null = anonymous); lbsync under test should use the same. */
    public String token() {
        return token;
    }

    public ConsulSimulator simulator() {
        if (simulator == null) {
            throw new IllegalStateException("running against a real Consul");
        }
        return simulator;
    }

    /** Skips the calling test unless it runs against the simulator (for faults only the simulator can make). */
    public ConsulSimulator assumeSimulator(String why) {
        Assumptions.assumeTrue(isSimulator(), "simulator only: " + why);
        return simulator;
    }

    /** The real cluster this JVM started, for a caller that checked {@link #isLocal()} first. */
    public LocalConsul local() {
        if (!isLocal()) {
            throw new IllegalStateException("not the local Consul cluster of this test run");
        }
        return local;
    }

    /** The real cluster this JVM started; skips the test on an external cluster or the simulator. */
    public LocalConsul assumeLocal(String why) {
        Assumptions.assumeTrue(isLocal(), "needs the real Consul cluster the test run starts: " + why);
        return local;
    }

    /**
     * How long an anti-entropy repair may take after {@link #triggerAntiEntropy}: 200-400 ms rounds on the simulator,
     * a few seconds on the local ACL cluster (the sync is triggered), else Consul's own 60-120 s.
     */
    public Duration antiEntropyTimeout() {
        return isSimulator() ? Duration.ofSeconds(5) : isLocal() && local.denyByDefault() ? Duration.ofSeconds(20) : Duration.ofMinutes(3);
    }

    /**
     * Makes every agent sync its local state to the catalog now where that can be done (the local ACL cluster, see
     * {@link #startWithFastAntiEntropy}); elsewhere anti-entropy comes by itself within {@link #antiEntropyTimeout}.
     */
    public void triggerAntiEntropy() {
        if (local != null && local.denyByDefault()) {
            agents.keySet().forEach(local::triggerAntiEntropy);
        }
    }

    /**
     * Gives {@code secret} the rights of {@code policy} (creating the token, or replacing its rights): on the
     * simulator directly, on a real Consul as an ACL policy and a token with that SecretID (must be a UUID).
     */
    public void addToken(String secret, TokenPolicy policy) {
        if (simulator != null) {
            simulator.addToken(secret, policy);
            return;
        }
        String policies = policy.management() ? "[{\"ID\":\"00000000-0000-0000-0000-000000000001\"}]"
                : "[{\"Name\":" + ConsulHttp.quote(policyNamed(secret, policy)) + "}]";
        String accessor = createdTokens.get(secret);
        String body = "{\"SecretID\":" + ConsulHttp.quote(secret) + ",\"Description\":\"lbsync test\",\"Policies\":"
                + (policy.equals(TokenPolicy.DENY_ALL) ? "[]" : policies) + "}";
        ConsulHttp.Response r = accessor == null ? http.put("/v1/acl/token", body)
                : http.put("/v1/acl/token/" + accessor, body.replace("{\"SecretID\"", "{\"AccessorID\":" + ConsulHttp.quote(accessor)
                        + ",\"SecretID\""));
        createdTokens.put(secret, r.requireOk().json().path("AccessorID").asText());
    }

    /** An ACL policy (created once per content) with the rules of {@code policy}. */
    private String policyNamed(String secret, TokenPolicy policy) {
        String rules = AclRules.of(policy);
        String name = "lbsync-test-" + Integer.toHexString(rules.hashCode()) + "-" + secret.substring(0, 8);
        ConsulHttp.Response existing = http.get("/v1/acl/policy/name/" + name);
        if (existing.status() != 200) {
            http.put("/v1/acl/policy", "{\"Name\":" + ConsulHttp.quote(name) + ",\"Rules\":" + ConsulHttp.quote(rules) + "}").requireOk();
        }
        return name;
    }

    public ConsulHttp http() {
        return http;
    }

    /**
     * Consul goes away: the simulator stops; on the local cluster the agent lbsync reads from stops (its process
     * ends). Skipped on an external cluster.
     */
    public void stopConsul() {
        if (simulator != null) {
            simulator.stop();
            return;
        }
        assumeLocal("stops a Consul agent").stopAgent(localNode());
    }

    /** Undoes {@link #stopConsul}: the agent starts again with its state and rejoins. */
    public void startConsul() {
        if (simulator != null) {
            simulator.start();
            return;
        }
        local.startAgent(localNode());
        local.awaitReady();
    }

    /**
     * One agent goes away: on the local cluster its process ends; on the simulator it stops answering on its port (the
     * cluster and the other agents go on). Skipped on an external cluster.
     */
    public void stopAgent(String node) {
        if (simulator != null) {
            simulator.stopAgent(node);
            return;
        }
        assumeLocal("stops a Consul agent").stopAgent(node);
    }

    /** Undoes {@link #stopAgent}: the agent starts again with its state (and, on real Consul, rejoins). */
    public void startAgent(String node) {
        if (simulator != null) {
            simulator.startAgent(node);
            return;
        }
        local.startAgent(node);
        local.awaitReady();
    }

    /**
     * The body of a 500 raised by an endpoint the servers execute (catalog, KV, session writes) when asked through
     * {@code node}'s agent: a client agent prefixes it with "rpc error making call: ", a server does not.
     */
    public String rpcError(String node, String message) {
        boolean server = http.getFrom(node, "/v1/agent/self").requireOk().json().path("Config").path("Server").asBoolean();
        return (server ? "" : "rpc error making call: ") + message;
    }

    /** The node of the agent at {@link #url()}. */
    public String localNode() {
        return nodes().get(0);
    }

    @Override
    public void close() {
        if (simulator != null) {
            simulator.close();
            return;
        }
        removeCreated(http);
        for (String accessor : createdTokens.values()) {
            try {
                http.send("DELETE", url + "/v1/acl/token/" + accessor, null, Duration.ofSeconds(10));
            } catch (RuntimeException ignored) {
                // best effort cleanup
            }
        }
        if (secondDatacenter != null) {
            local.secondDatacenter().restore(); // running and federated again, whatever the test left
            removeCreated(secondDatacenter.http());
        }
    }

    /** Deregisters the services {@code http} registered and deletes the keys it wrote (best effort). */
    private static void removeCreated(ConsulHttp http) {
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
