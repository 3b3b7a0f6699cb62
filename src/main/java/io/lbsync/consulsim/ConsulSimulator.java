package io.lbsync.consulsim;

import io.lbsync.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * An in-JVM imitation of a Consul 1.10 cluster's HTTP API: several agents, each with its own port, node name
 * and local services, sharing one catalog and KV store with raft-like indexes, blocking queries,
 * anti-entropy, TTL checks, sessions and KV locks, ACLs and the per-client connection cap, plus fault injection
 * ({@link #faults()}) for tests of how clients survive a misbehaving Consul. Used by tests and by the demo mode.
 * The first agent is the cluster's only server (it also carries the "consul" service, as real servers do).
 */
public final class ConsulSimulator implements AutoCloseable {
    private final String datacenter;
    private final Cluster cluster;
    private final HttpDispatcher dispatcher;
    private final ConsulFaults faults = new ConsulFaults();
    private final ExecutorService httpExecutor;
    private final ScheduledThreadPoolExecutor scheduler;
    private final AntiEntropy antiEntropy;
    private final Map<String, AgentHttpServer> servers = new LinkedHashMap<>();
    /** Null unless the builder enabled DNS. */
    private final DnsServer dns;
    private final String bindAddress;
    private boolean closed;

    private ConsulSimulator(Builder b) {
        this.datacenter = b.datacenter;
        this.httpExecutor = Executors.newCachedThreadPool(DaemonThreads.named("consul-sim-http"));
        this.scheduler = new ScheduledThreadPoolExecutor(2, DaemonThreads.named("consul-sim-timer"));
        scheduler.setRemoveOnCancelPolicy(true);
        AclResolver acl = new AclResolver(b.aclMasterToken);
        this.cluster = new Cluster(b.datacenter, new StateStore(), acl);
        this.antiEntropy = new AntiEntropy(cluster.store, cluster.catalog, scheduler, b.antiEntropyInterval);
        TtlWatchdog ttl = new TtlWatchdog(scheduler);
        Router router = new Router();
        new AgentEndpoints(cluster).addTo(router);
        new CatalogEndpoints(cluster).addTo(router);
        new HealthEndpoints(cluster).addTo(router);
        new UiEndpoints(cluster).addTo(router);
        new KvEndpoints(cluster).addTo(router);
        new SessionEndpoints(cluster, new SessionTimers(cluster.store, cluster.sessions, scheduler), b.sessionTtlMinimum)
                .addTo(router);
        new StatusEndpoints(cluster).addTo(router);
        new AclEndpoints(acl).addTo(router);
        this.dispatcher = new HttpDispatcher(router, acl, new ConnectionLimiter(b.maxConnectionsPerClient), faults);
        int i = 0;
        for (String node : b.nodeNames) {
            String address = b.nodeAddresses.getOrDefault(node, b.bindAddress);
            LocalAgent agent = new LocalAgent(node, address, b.datacenter, i == 0, cluster.store, antiEntropy, ttl);
            cluster.addAgent(agent);
            int port = b.basePort == 0 ? 0 : b.basePort + i;
            servers.put(node, new AgentHttpServer(agent, dispatcher, b.bindAddress, port, httpExecutor, b.tls));
            i++;
        }
        this.bindAddress = b.bindAddress;
        this.dns = b.dnsPort < 0 ? null : new DnsServer(cluster, b.bindAddress, b.dnsPort, b.dnsOnlyPassing);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts (or restarts) every agent; a restart binds the same ports and keeps all state. */
    public synchronized ConsulSimulator start() {
        if (closed) {
            throw new IllegalStateException("simulator closed");
        }
        for (LocalAgent agent : cluster.agents()) {
            servers.get(agent.nodeName()).start();
            agent.start();
        }
        if (dns != null) {
            dns.start();
        }
        return this;
    }

    /** Refuses new connections, drops in-flight requests (blocking queries included), keeps all state. */
    public synchronized void stop() {
        for (LocalAgent agent : cluster.agents()) {
            agent.stop();
        }
        cluster.store.wakeAll();
        servers.values().forEach(AgentHttpServer::stop);
        if (dns != null) {
            dns.stop();
        }
    }

    /**
     * Stops one agent, as when its process ends: its HTTP API refuses connections and drops its in-flight requests
     * (blocking queries included); the cluster and the other agents go on.
     */
    public synchronized void stopAgent(String nodeName) {
        cluster.agent(nodeName).stop();
        cluster.store.wakeAll();
        server(nodeName).stop();
    }

    /** Starts an agent {@link #stopAgent stopped} before, on the same port, with its state. */
    public synchronized void startAgent(String nodeName) {
        server(nodeName).start();
        cluster.agent(nodeName).start();
    }

    private AgentHttpServer server(String nodeName) {
        AgentHttpServer s = servers.get(nodeName);
        if (s == null) {
            throw new IllegalArgumentException("no agent named " + nodeName + "; agents: " + servers.keySet());
        }
        return s;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
    }

    /** Base URL of the first agent (the server), e.g. "http://127.0.0.1:40123". */
    public String url() {
        return servers.values().iterator().next().url();
    }

    public String agentUrl(String nodeName) {
        return server(nodeName).url();
    }

    /** The UDP port of the DNS interface (enabled with {@link Builder#dnsPort(int)}); stays the same across restarts. */
    public int dnsPort() {
        if (dns == null) {
            throw new IllegalStateException("DNS is not enabled: build the simulator with dnsPort(...)");
        }
        return dns.port();
    }

    /** "ip:port" of the DNS interface, e.g. for HAProxy's "nameserver consul 127.0.0.1:40123". */
    public String dnsAddress() {
        return (bindAddress.contains(":") ? "[" + bindAddress + "]" : bindAddress) + ":" + dnsPort();
    }

    public List<String> nodeNames() {
        return List.copyOf(servers.keySet());
    }

    /** The node's advertised Address (health/catalog "Address"). */
    public String nodeAddress(String nodeName) {
        return cluster.agent(nodeName).nodeAddress();
    }

    public String datacenter() {
        return datacenter;
    }

    /** Adds an ACL token (ACLs must be enabled with {@link Builder#aclMasterToken}). */
    public void addToken(String secretId, TokenPolicy policy) {
        cluster.acl.addToken(secretId, policy);
    }

    /**
     * Requests from that client IP being served right now (blocking queries included). Not the same as Consul's
     * http_max_conns_per_client, which counts open TCP connections, idle keep-alive ones included: a client keeping
     * idle pooled connections has more connections open than requests in flight.
     */
    public int activeConnections(String clientIp) {
        return dispatcher.activeConnections(clientIp);
    }

    /**
     * Fault injection for tests: error answers, dropped connections, delays, broken bodies and misleading headers on
     * the requests a rule matches (see {@link ConsulFaults}). No rule is in force unless a test adds one; rules
     * survive {@link #stop()}/{@link #start()}.
     */
    public ConsulFaults faults() {
        return faults;
    }

    /** Every HTTP request received so far, refused ones included. */
    public long requestCount() {
        return dispatcher.requestCount();
    }

    /** Same as PUT /v1/agent/service/register on that agent with a management token. */
    public void registerService(String nodeName, ServiceDefinition def) {
        call(() -> cluster.agent(nodeName).register(def, false, TokenPolicy.MANAGEMENT));
    }

    /** Same as PUT /v1/agent/service/deregister/:id on that agent. */
    public void deregisterService(String nodeName, String serviceId) {
        call(() -> cluster.agent(nodeName).deregister(serviceId, TokenPolicy.MANAGEMENT, false));
    }

    /** Same as PUT /v1/agent/check/update/:checkId with {Status, Output}; status is passing, warning or critical. */
    public void setCheckStatus(String nodeName, String checkId, String status, String output) {
        if (!CatalogCheck.validStatus(status)) {
            throw new IllegalArgumentException("Invalid check status: '" + status + "'");
        }
        call(() -> cluster.agent(nodeName).updateCheck(checkId, status, Objects.requireNonNullElse(output, ""),
                TokenPolicy.MANAGEMENT, cluster.acl.enabled()));
    }

    /** Same as PUT /v1/kv/:key with a management token (no cas, flags 0); the K/V index moves as with HTTP. */
    public void putKv(String key, String value) {
        cluster.store.write(txn -> cluster.kv.put(txn, key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, null));
    }

    /** Runs every agent's full anti-entropy sync now instead of waiting for the timer (handy in tests). */
    public void runAntiEntropyNow() {
        cluster.agents().stream().filter(LocalAgent::isRunning).forEach(antiEntropy::syncFull);
    }

    private interface ApiCall {
        void run() throws ApiException;
    }

    private static void call(ApiCall action) {
        try {
            action.run();
        } catch (ApiException e) {
            throw new IllegalArgumentException(e.status() + " " + e.getMessage(), e);
        }
    }

    /** Configuration; {@link #build()} creates a simulator that is not started yet. */
    public static final class Builder {
        private List<String> nodeNames = List.of("node-1");
        private String bindAddress = "127.0.0.1";
        private int basePort;
        private String datacenter = "dc1";
        private Duration antiEntropyInterval = Duration.ofSeconds(60);
        private String aclMasterToken;
        private int maxConnectionsPerClient = 200;
        private final Map<String, String> nodeAddresses = new LinkedHashMap<>();
        private int dnsPort = -1;
        private boolean dnsOnlyPassing;
        private Duration sessionTtlMinimum = SessionEndpoints.DEFAULT_TTL_MIN;
        private AgentHttpServer.Tls tls;

        private Builder() {
        }

        /**
         * Enables Consul's DNS interface (UDP, on the bind address; see {@link DnsServer} for what it answers):
         * 0 = a random free port, else that port (a real agent uses 8600). Default: no DNS.
         */
        public Builder dnsPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("DNS port must be 0..65535");
            }
            this.dnsPort = port;
            return this;
        }

        /** Consul's dns_config.only_passing: DNS leaves out warning instances too (default false: only critical). */
        public Builder dnsOnlyPassing(boolean onlyPassing) {
            this.dnsOnlyPassing = onlyPassing;
            return this;
        }

        /** Node names of the agents; the first one is the server. Default: one agent "node-1". */
        public Builder agents(String... names) {
            if (names.length == 0) {
                throw new IllegalArgumentException("at least one agent");
            }
            List<String> list = new ArrayList<>(List.of(names));
            if (list.stream().distinct().count() != list.size()) {
                throw new IllegalArgumentException("agent names must be unique: " + list);
            }
            this.nodeNames = List.copyOf(list);
            return this;
        }

        /** The loopback IP every agent listens on (default 127.0.0.1); also the default node address. */
        public Builder bindAddress(String loopbackIp) {
            this.bindAddress = Objects.requireNonNull(loopbackIp);
            return this;
        }

        /** 0 (default) = random free ports; otherwise agent i listens on basePort + i. */
        public Builder basePort(int port) {
            this.basePort = port;
            return this;
        }

        public Builder datacenter(String dc) {
            this.datacenter = Objects.requireNonNull(dc);
            return this;
        }

        /** Full-sync period; each round waits this plus a random stagger up to the same again, like Consul. */
        public Builder antiEntropyInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("interval must be positive");
            }
            this.antiEntropyInterval = d;
            return this;
        }

        /** Non-null enables ACLs with default policy deny; this secret is the management token. */
        public Builder aclMasterToken(String token) {
            this.aclMasterToken = token;
            return this;
        }

        /** Consul's limits.http_max_conns_per_client (default 200); beyond it requests get 429. */
        public Builder maxConnectionsPerClient(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("must be at least 1");
            }
            this.maxConnectionsPerClient = n;
            return this;
        }

        /**
         * Consul's session_ttl_min: the shortest session TTL that /v1/session/create accepts (default 10s, as in
         * Consul). Lower it for tests that want sessions to expire fast; a session expires after TTL × 2.
         */
        public Builder sessionTtlMinimum(Duration min) {
            if (min.isNegative() || min.isZero()) {
                throw new IllegalArgumentException("minimum TTL must be positive");
            }
            this.sessionTtlMinimum = min;
            return this;
        }

        /**
         * Serve https instead of http, like agents with ports.https and a certificate: {@code context} holds the
         * agents' key and certificate (and, with {@code verifyIncoming}, the CAs client certificates must come from).
         */
        public Builder https(javax.net.ssl.SSLContext context, boolean verifyIncoming) {
            this.tls = new AgentHttpServer.Tls(Objects.requireNonNull(context), verifyIncoming);
            return this;
        }

        /** Advertised address of one node (default: the bind address). */
        public Builder nodeAddress(String nodeName, String address) {
            nodeAddresses.put(nodeName, Objects.requireNonNull(address));
            return this;
        }

        public ConsulSimulator build() {
            return new ConsulSimulator(this);
        }
    }
}
