package io.lbsync.testsupport;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Consul cluster on loopback that the test JVM starts once (on first use) and stops when it exits: one
 * server and two client agents, each on its own 127.0.x.y address with Consul's default ports, as on real hosts.
 * <p>
 * Two variants, each started only when a test asks for it:
 * <ul>
 * <li>{@link #plain()} on 127.0.85.10-12: no ACLs, as most of the tests want.</li>
 * <li>{@link #acl()} on 127.0.86.10-12: ACLs with {@code default_policy = "deny"} and a known management token
 * ({@link #MASTER_TOKEN}). Besides the ACL tests it serves tests that need anti-entropy: with ACLs on,
 * {@link #triggerAntiEntropy} starts an agent's full sync at once (re-setting its agent token does that) instead of
 * waiting the 60-120 s of Consul's own timer, which cannot be configured.</li>
 * </ul>
 * The plain cluster is datacenter dc1; {@link #secondDatacenter()} adds a second one, dc2, joined to it over WAN
 * (see {@link SecondDatacenter}). Its agent is one of this cluster's processes, stopped and cleaned up with the others,
 * but not one of {@link #agents()}.
 * State (config, data, logs, PIDs) lives under {@code java.io.tmpdir/lbsync-test-consul/<variant>}. The agents are
 * stopped by a shutdown hook, and by a watchdog process ({@link ConsulReaper}) when the JVM is killed; agents an
 * earlier run still left are found by their PID files (checked against /proc/PID/cmdline) and stopped before a fresh
 * start; the data directory is wiped each time, so a cluster is never half-used.
 */
public final class LocalConsul {
    /** The management token of both variants (a test-only value). */
    public static final String MASTER_TOKEN = "c0ffee00-0000-4000-8000-00000000cafe";
    /** A second management token: {@link #triggerAntiEntropy} switches an agent's token between the two. */
    private static final String SECOND_TOKEN = "c0ffee00-0000-4000-8000-00000000beef";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private static LocalConsul plain;
    private static LocalConsul acl;

    /** One agent: node name, loopback address, server or client, and its datacenter. */
    public record Agent(String node, String address, boolean server, String datacenter) {
        Agent(String node, String address, boolean server) {
            this(node, address, server, "dc1");
        }

        public String url() {
            return "http://" + address + ":8500";
        }
    }

    private final String variant;
    private final boolean denyByDefault;
    private final Path binary;
    private final Path home;
    private final List<Agent> agents;
    /** Agents of other datacenters ({@link #secondDatacenter()}): managed as the others, not in {@link #agents()}. */
    private final List<Agent> remoteAgents = new ArrayList<>();
    private SecondDatacenter secondDatacenter;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    /** The agent token each agent was last given through the API (only a change starts a full sync). */
    private final Map<String, String> agentTokens = new java.util.concurrent.ConcurrentHashMap<>();
    private final ConsulHttp http;

    private LocalConsul(String variant, String addressPrefix, boolean denyByDefault, Path binary) {
        this.variant = variant;
        this.denyByDefault = denyByDefault;
        this.binary = binary;
        this.home = Path.of(System.getProperty("java.io.tmpdir"), "lbsync-test-consul", SLOT == 0 ? variant : SLOT + "-" + variant);
        this.agents = List.of(new Agent("srv-1", addressPrefix + ".10", true), new Agent("agent-a", addressPrefix + ".11", false),
                new Agent("agent-b", addressPrefix + ".12", false));
        this.http = new ConsulHttp(agents.get(0).url(), this::agentUrl, denyByDefault ? MASTER_TOKEN : null, new ConsulHttp.Tracking());
    }

    /**
     * LBSYNC_TEST_CONSUL_SLOT=N (0-255, default 0) moves the clusters to 127.N.85.x / 127.N.86.x and their own state
     * directory, so that two test runs on one machine (two checkouts) do not stop each other's agents.
     */
    private static final int SLOT = slot();

    private static int slot() {
        String v = System.getenv("LBSYNC_TEST_CONSUL_SLOT");
        if (v == null || v.isBlank()) {
            return 0;
        }
        int n = Integer.parseInt(v.strip());
        if (n < 0 || n > 255) {
            throw new IllegalStateException("LBSYNC_TEST_CONSUL_SLOT=" + v + " is not 0-255");
        }
        return n;
    }

    /** The consul binary: {@code LBSYNC_TEST_CONSUL_BIN}, else {@code consul} on PATH. */
    public static Optional<Path> binary() {
        String explicit = System.getenv("LBSYNC_TEST_CONSUL_BIN");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit.trim());
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("LBSYNC_TEST_CONSUL_BIN=" + explicit + " is not an executable file");
            }
            return Optional.of(p);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, "consul"))
                .filter(Files::isExecutable).findFirst();
    }

    /** The shared cluster without ACLs, started on first use. */
    public static synchronized LocalConsul plain() {
        if (plain == null) {
            plain = start(new LocalConsul("plain", "127." + SLOT + ".85", false, binary().orElseThrow()));
        }
        return plain;
    }

    /** The default-deny ACL cluster, started on first use. */
    public static synchronized LocalConsul acl() {
        if (acl == null) {
            acl = start(new LocalConsul("acl", "127." + SLOT + ".86", true, binary().orElseThrow()));
        }
        return acl;
    }

    /** "Consul v1.9.0-dev" as the binary reports it. */
    public static String version(Path binary) {
        Commands.Result r = Commands.capture(binary.toString(), "version");
        return r.output().lines().findFirst().orElse("consul (unknown version)").trim();
    }

    private static LocalConsul start(LocalConsul c) {
        Runtime.getRuntime().addShutdownHook(new Thread(c::stopAll, "stop-local-consul-" + c.variant));
        c.startFresh();
        TestBackendReport.record("consul: real " + version(c.binary).replace("Consul ", "") + ", " + c.agents.size()
                + " agents (" + c.variant + (c.denyByDefault ? ", ACL default deny" : "") + ", "
                + c.agents.get(0).address() + "-" + c.agents.get(c.agents.size() - 1).address().replaceAll(".*\\.", "") + ")");
        return c;
    }

    public List<Agent> agents() {
        return agents;
    }

    public String agentUrl(String node) {
        return agent(node).url();
    }

    /**
     * The second datacenter, dc2, federated over WAN with this (plain) cluster: its server agent started, and waited
     * for, on first use. Not on the ACL cluster: ACLs across datacenters need a primary datacenter and replication.
     */
    public synchronized SecondDatacenter secondDatacenter() {
        if (denyByDefault) {
            throw new IllegalStateException("a second datacenter joins the plain cluster only, not the ACL cluster");
        }
        if (secondDatacenter == null) {
            Agent server = new Agent("dc2-server", "127." + SLOT + ".87.10", true, SecondDatacenter.NAME);
            startRemoteAgent(server);
            secondDatacenter = new SecondDatacenter(this, server);
            secondDatacenter.awaitFederated();
            TestBackendReport.record("consul: real, second datacenter " + server.datacenter() + " (1 server, " + server.address()
                    + ") joined over WAN to the " + variant + " cluster");
        }
        return secondDatacenter;
    }

    /** An agent of another datacenter, started fresh (its data wiped) and from then on managed as the others. */
    private void startRemoteAgent(Agent a) {
        try {
            Files.writeString(configFile(a), config(a));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config of " + a.node(), e);
        }
        deleteTree(home.resolve("data").resolve(a.node()));
        requirePortsFree(a);
        remoteAgents.add(a);
        startAgent(a.node());
    }

    /** The client agent lbsync reads from, as it would on a load-balancer host. */
    public Agent localAgent() {
        return agents.get(1);
    }

    /** "host:port" of the local agent's DNS interface. */
    public String dnsAddress() {
        return localAgent().address() + ":8600";
    }

    public boolean denyByDefault() {
        return denyByDefault;
    }

    // ---- lifecycle ----

    private synchronized void startFresh() {
        try {
            stopStale();
            deleteTree(home.resolve("data"));
            Files.createDirectories(home.resolve("pids"));
            Files.createDirectories(home.resolve("logs"));
            for (Agent a : agents) {
                Files.writeString(configFile(a), config(a));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + home, e);
        }
        startReaper();
        for (Agent a : agents) {
            requirePortsFree(a);
            startAgent(a.node());
        }
        awaitReady();
        if (denyByDefault) {
            http.put("/v1/acl/token", "{\"SecretID\":\"" + SECOND_TOKEN + "\",\"Description\":\"lbsync test: anti-entropy trigger\","
                    + "\"Policies\":[{\"ID\":\"00000000-0000-0000-0000-000000000001\"}]}").requireOk();
        }
    }

    /** Starts (or restarts after {@link #stopAgent}) one agent with the state it had. */
    public synchronized void startAgent(String node) {
        Agent a = agent(node);
        agentTokens.remove(node); // back to the token of its config file
        Process old = processes.get(node);
        if (old != null && old.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(home.resolve("data").resolve(node));
            ProcessBuilder pb = new ProcessBuilder(binary.toString(), "agent", "-config-file=" + configFile(a))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs").resolve(node + ".log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            processes.put(node, p);
            Files.writeString(pidFile(node), Long.toString(p.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start consul agent " + node, e);
        }
    }

    /**
     * Stops one agent (SIGTERM; SIGKILL after 15 s) and waits until it is gone. It does not leave the cluster
     * ({@code leave_on_terminate = false}): its node stays in the catalog and is found failed, as after a crash.
     */
    public synchronized void stopAgent(String node) {
        Process p = processes.remove(node);
        if (p == null) {
            return;
        }
        resumeAgent(p); // a suspended process cannot handle SIGTERM
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(pidFile(node));
        } catch (IOException ignored) {
            // a stale PID file is checked against /proc before it is used
        }
    }

    /** SIGSTOP: the agent hangs (connections accepted by the kernel, never answered). */
    public synchronized void suspendAgent(String node) {
        signal(process(node), "-STOP");
    }

    /** True while the agent's process is stopped by a signal ({@link #suspendAgent}): state T in /proc/PID/stat. */
    public synchronized boolean isSuspended(String node) {
        Process p = processes.get(node);
        if (p == null || !p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"), StandardCharsets.UTF_8);
            return stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("T");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** SIGCONT after {@link #suspendAgent}. */
    public synchronized void resumeAgent(String node) {
        resumeAgent(process(node));
    }

    /** SIGCONT if the agent runs (harmless when it was not suspended). */
    public synchronized void resumeIfSuspended(String node) {
        Process p = processes.get(node);
        if (p != null) {
            resumeAgent(p);
        }
    }

    private static void resumeAgent(Process p) {
        if (p.isAlive()) {
            signal(p, "-CONT");
        }
    }

    /**
     * An agent rebuilt with an empty local state: it leaves the cluster gracefully (its node and services leave the
     * catalog), its data directory is wiped, and it starts again under the same node name.
     */
    public synchronized void restartAgentEmpty(String node) {
        Process p = process(node);
        http.send("PUT", agentUrl(node) + "/v1/agent/leave", "", Duration.ofSeconds(15)).requireOk();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("agent " + node + " did not exit after leaving");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        stopAgent(node);
        deleteTree(home.resolve("data").resolve(node));
        startAgent(node);
    }

    /** Waits until the leader is known and every agent is alive and in the catalog. */
    public void awaitReady() {
        await("local Consul (" + variant + ")", READY_TIMEOUT, this::readiness);
    }

    /** Polls {@code missing} ("" when ready, else what is missing) until it is "", or fails after {@code timeout}. */
    void await(String what, Duration timeout, java.util.function.Supplier<String> missing) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = missing.get();
                if (last.isEmpty()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e.getMessage();
            }
            Pause.millis(200);
        }
        throw new IllegalStateException(what + " not ready after " + timeout.toSeconds() + " s: " + last + "; logs in "
                + home.resolve("logs"));
    }

    /** "" when the agent's process runs, else that it does not and where its log is. */
    String notRunning(String node) {
        Process p = processes.get(node);
        return p != null && p.isAlive() ? "" : "agent " + node + " is not running (log " + home.resolve("logs").resolve(node + ".log") + ")";
    }

    /** "" when ready, else what is missing. */
    private String readiness() {
        for (Agent a : agents) {
            String down = notRunning(a.node());
            if (!down.isEmpty()) {
                return down;
            }
        }
        // a client of its own, dropped afterwards: its idle connections to the agents do not outlive the wait
        ConsulHttp http = this.http.withToken(denyByDefault ? MASTER_TOKEN : null);
        ConsulHttp.Response leader = http.get("/v1/status/leader", Duration.ofSeconds(3));
        if (leader.status() != 200 || leader.body().replace("\"", "").isBlank()) {
            return "no leader yet";
        }
        for (Agent a : agents) {
            JsonNode members = http.getFrom(a.node(), "/v1/agent/members").json();
            long alive = 0;
            for (JsonNode m : members) {
                alive += m.path("Status").asInt() == 1 ? 1 : 0;
            }
            if (alive < agents.size()) {
                return a.node() + " sees " + alive + " alive members";
            }
            // ACL-resolution on a fresh agent answers "ACL not found" for a few seconds: wait for the real answer
            ConsulHttp.Response anonymous = ConsulHttp.plain().send("GET", a.url() + "/v1/agent/self", null, Duration.ofSeconds(3));
            if (denyByDefault ? anonymous.status() != 403 || !anonymous.body().equals("Permission denied") : anonymous.status() != 200) {
                return a.node() + " answers an anonymous /v1/agent/self with " + anonymous.status() + " " + anonymous.body();
            }
        }
        JsonNode nodes = http.get("/v1/catalog/nodes").json();
        if (nodes.size() < agents.size()) {
            return "catalog lists " + nodes.size() + " nodes";
        }
        return "";
    }

    /**
     * Stops every agent: SIGTERM to all at once, then waits for each (SIGKILL after 15 s). Registered as a shutdown
     * hook, which must be quick: the test framework kills a JVM that takes long to exit (the watchdog then finishes).
     */
    public synchronized void stopAll() {
        List<String> nodes = new ArrayList<>(processes.keySet());
        for (String node : nodes) {
            Process p = processes.get(node);
            resumeAgent(p);
            p.destroy();
        }
        nodes.forEach(this::stopAgent); // each already terminating: this only waits, and cleans up
    }

    /**
     * Stops every agent and starts them again with the state they had (the whole cluster down and back), the second
     * datacenter's too when there is one (it rejoins over WAN by itself; {@link SecondDatacenter#awaitFederated} waits).
     */
    public synchronized void restartAll() {
        stopAll();
        startAll();
    }

    /** Starts every agent that is not running (the second datacenter's too), and waits until the cluster is ready. */
    public synchronized void startAll() {
        agents.forEach(a -> resumeIfSuspended(a.node()));
        agents.forEach(a -> startAgent(a.node()));
        remoteAgents.forEach(a -> startAgent(a.node()));
        awaitReady();
    }

    /**
     * Starts a full anti-entropy sync on the agent now, so that a test need not wait the 60-120 s of Consul's own
     * timer: a changed agent token does that (PUT /v1/agent/token/agent), so the agent's token is switched between
     * two management tokens. The agent syncs a service with the token it was registered with, and removes what it
     * does not own with its default token (none here: anonymous, which may not).
     */
    public void triggerAntiEntropy(String node) {
        if (!denyByDefault) {
            throw new IllegalStateException("anti-entropy can be triggered on the ACL cluster only");
        }
        String next = SECOND_TOKEN.equals(agentTokens.get(node)) ? MASTER_TOKEN : SECOND_TOKEN;
        ConsulHttp.Response r = http.send("PUT", agentUrl(node) + "/v1/agent/token/agent", "{\"Token\":\"" + next + "\"}",
                Duration.ofSeconds(10));
        agentTokens.put(node, next);
        if (r.status() != 200) {
            throw new IllegalStateException("cannot trigger anti-entropy on " + node + ": " + r.status() + " " + r.body());
        }
    }

    private Agent agent(String node) {
        return Stream.concat(agents.stream(), remoteAgents.stream()).filter(a -> a.node().equals(node)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no agent " + node + " in " + agents + " " + remoteAgents));
    }

    private Process process(String node) {
        Process p = processes.get(node);
        if (p == null) {
            throw new IllegalStateException("agent " + node + " is not running");
        }
        return p;
    }

    private static void signal(Process p, String signal) {
        Commands.capture("kill", signal, Long.toString(p.pid()));
    }

    // ---- agents of a run that did not stop them ----

    /** Agents an earlier run left (a killed JVM whose watchdog was killed too): stopped before a fresh start. */
    private void stopStale() throws IOException {
        if (Files.isDirectory(home.resolve("pids"))) {
            System.err.println("[local-consul] stopping agents left by an earlier test run, if any (" + home + ")");
            ConsulReaper.stopAgents(home);
        }
    }

    /** A separate process that stops the agents when this JVM ends, however it ends (see {@link ConsulReaper}). */
    private void startReaper() {
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            String classes = Path.of(ConsulReaper.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            new ProcessBuilder(java, "-Xmx16m", "-XX:TieredStopAtLevel=1", "-cp", classes, ConsulReaper.class.getName(),
                    Long.toString(ProcessHandle.current().pid()), home.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs").resolve("reaper.log").toFile()))
                    .start();
        } catch (IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot start the Consul watchdog", e);
        }
    }

    private void requirePortsFree(Agent a) {
        int[] ports = a.server() ? new int[] {8500, 8301, 8600, 8300, 8302} : new int[] {8500, 8301, 8600};
        for (int port : ports) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a.address(), port), 200);
                throw new IllegalStateException(a.address() + ":" + port + " is in use by a process this test run did not"
                        + " start; stop it (or set CONSUL_HTTP_ADDR to test against it)");
            } catch (IOException free) {
                // nothing listens: good
            }
        }
    }

    // ---- configuration ----

    private Path configFile(Agent a) throws IOException {
        Path conf = home.resolve("conf");
        Files.createDirectories(conf);
        return conf.resolve(a.node() + ".hcl");
    }

    private Path pidFile(String node) {
        return home.resolve("pids").resolve(node + ".pid");
    }

    private String config(Agent a) {
        StringBuilder c = new StringBuilder();
        c.append("node_name = \"").append(a.node()).append("\"\n")
                .append("datacenter = \"").append(a.datacenter()).append("\"\n")
                .append("data_dir = \"").append(home.resolve("data").resolve(a.node())).append("\"\n")
                .append("bind_addr = \"").append(a.address()).append("\"\n")
                .append("advertise_addr = \"").append(a.address()).append("\"\n")
                .append("client_addr = \"").append(a.address()).append("\"\n")
                .append("disable_update_check = true\n")
                .append("log_level = \"WARN\"\n")
                .append("performance { raft_multiplier = 1 }\n")
                // a stopped agent is a crashed or unreachable one: it does not leave (and take its services along)
                .append("leave_on_terminate = false\n");
        if (denyByDefault) {
            c.append("acl {\n  enabled = true\n  default_policy = \"deny\"\n  down_policy = \"extend-cache\"\n  tokens {\n");
            if (a.server()) {
                c.append("    master = \"").append(MASTER_TOKEN).append("\"\n");
            }
            c.append("    agent = \"").append(MASTER_TOKEN).append("\"\n  }\n}\n");
        }
        if (a.server()) {
            // serf_wan (8302) stays on, as on real servers: the servers of the datacenters gossip over it
            c.append("server = true\nbootstrap_expect = 1\n")
                    .append("ports {\n  grpc = -1\n  https = -1\n}\n");
            if (!a.datacenter().equals(agents.get(0).datacenter())) {
                c.append("retry_join_wan = [\"").append(agents.get(0).address()).append(":8302\"]\n")
                        .append("retry_interval_wan = \"1s\"\n");
            }
        } else {
            c.append("server = false\n")
                    .append("retry_join = [\"").append(agents.get(0).address()).append(":8301\"]\n")
                    .append("retry_interval = \"1s\"\n")
                    .append("ports {\n  grpc = -1\n  https = -1\n  serf_wan = -1\n}\n");
        }
        return c.toString();
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
