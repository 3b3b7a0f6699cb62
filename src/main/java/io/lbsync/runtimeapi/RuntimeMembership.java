package io.lbsync.runtimeapi;

import io.lbsync.reload.MasterCli;

import io.lbsync.runtimeapi.HaproxyServerLines.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a membership-only change to a running HAProxy through its runtime API, reached through the master CLI
 * ({@code haproxy -W -S <socket>}) as {@code @1 <command>} (the current worker), so no reload and no new process.
 *
 * <p>"Membership only" means: the old and new config files have equal {@link HaproxyServerLines#structure() structure}
 * (every line but comments, blank lines and server lines), and every server present in both keeps its options
 * (only its address, port and numeric weight may change). Then, against the worker's {@code show servers state}:
 * a new server is {@code add server} + {@code enable server} (+ {@code enable health} with {@code check}), a changed
 * one {@code set server addr/port}, {@code set weight}, {@code state ready}, a gone one {@code state maint} then
 * {@code del server} (HAProxy 2.6 refuses that while it still has connections; it is retried briefly, then left in
 * maintenance, which serves nothing and is reused if the name comes back). Finally {@code show servers state} must show
 * exactly the new membership, or the caller reloads. The config file has already been swapped by then, so a restart or
 * a later reload loads the same membership from the file.
 */
public final class RuntimeMembership implements RuntimeApi {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeMembership.class);
    /** srv_admin_state bit: forced maintenance (set server state maint / a dynamic server before enable). */
    private static final int ADMIN_FORCED_MAINT = 0x01;

    /** One row of "show servers state". */
    record LiveServer(String backend, String name, String address, int port, int adminState, int userWeight) {
        boolean inMaintenance() {
            return (adminState & ADMIN_FORCED_MAINT) != 0;
        }
    }

    /** The worker's CLI: sends one command, returns its answer. */
    public interface WorkerCli {
        String send(String command) throws IOException;
    }

    private final WorkerCli cli;
    private final Duration deleteWait;
    private final String describe;

    public RuntimeMembership(Path masterSocket, Duration deleteWait) {
        MasterCli master = new MasterCli(masterSocket);
        this.cli = command -> master.send("@1 " + command);
        this.deleteWait = deleteWait;
        this.describe = "HAProxy runtime API via master socket " + masterSocket + " (@1)";
    }

    RuntimeMembership(WorkerCli cli, Duration deleteWait) {
        this.cli = cli;
        this.deleteWait = deleteWait;
        this.describe = "HAProxy runtime API";
    }

    @Override
    public String describe() {
        return describe;
    }

    /** Why {@code before → after} needs a reload, or empty when only membership changed. */
    public static Optional<String> structuralChange(HaproxyServerLines before, HaproxyServerLines after) {
        if (!before.structure().equals(after.structure())) {
            return Optional.of("config changed outside server lines");
        }
        for (var backend : after.backends().entrySet()) {
            for (Server s : backend.getValue().values()) {
                Server old = before.servers(backend.getKey()).get(s.name());
                if (!s.runtimeCapable() && !s.equals(old)) {
                    return Optional.of("server " + backend.getKey() + "/" + s.name() + " is not an IP address and port");
                }
                if (old != null && (!old.options().equals(s.options()) || (old.weight() < 0) != (s.weight() < 0))) {
                    return Optional.of("options of server " + backend.getKey() + "/" + s.name() + " changed");
                }
            }
        }
        return Optional.empty();
    }

    /** Brings the worker's servers to those of {@code after}; never throws (a failure means: reload). */
    @Override
    public Outcome apply(String beforeConfig, String afterConfig) {
        HaproxyServerLines before = HaproxyServerLines.parse(beforeConfig);
        HaproxyServerLines after = HaproxyServerLines.parse(afterConfig);
        Optional<String> structural = structuralChange(before, after);
        if (structural.isPresent()) {
            return new Outcome(Result.STRUCTURAL, 0, structural.get());
        }
        int commands = 0;
        try {
            Map<String, Map<String, LiveServer>> live = liveServers();
            for (var backend : after.backends().keySet()) {
                if (!live.containsKey(backend) && !before.servers(backend).isEmpty()) {
                    return new Outcome(Result.FAILED, 0, "the running HAProxy has no servers in backend " + backend
                            + " (not started on this file?)");
                }
            }
            List<String> backends = new ArrayList<>(after.backends().keySet());
            before.backends().keySet().stream().filter(b -> !backends.contains(b)).forEach(backends::add);
            for (String backend : backends) {
                Map<String, Server> wanted = after.servers(backend);
                Map<String, LiveServer> running = live.getOrDefault(backend, Map.of());
                for (Server s : wanted.values()) {
                    commands += converge(backend, s, running.get(s.name()));
                }
                for (LiveServer r : running.values()) {
                    if (!wanted.containsKey(r.name()) && before.servers(backend).containsKey(r.name())) {
                        commands += remove(r);
                    }
                }
            }
            Optional<String> mismatch = verify(before, after, liveServers());
            return mismatch.isPresent()
                    ? new Outcome(Result.FAILED, commands, "runtime change not visible in show servers state: " + mismatch.get())
                    : new Outcome(Result.APPLIED, commands, "");
        } catch (IOException | RuntimeException e) {
            return new Outcome(Result.FAILED, commands, e.getMessage());
        }
    }

    private int converge(String backend, Server s, LiveServer r) throws IOException {
        String id = backend + "/" + s.name();
        if (r == null) {
            expect(send("add server " + id + " " + s.addServerArguments()), "New server registered", "add server " + id);
            send("enable server " + id);
            if (s.options().contains("check")) {
                send("enable health " + id);
            }
            return s.options().contains("check") ? 3 : 2;
        }
        int n = 0;
        if (!r.address().equals(s.address().orElseThrow()) || r.port() != s.port()) {
            send("set server " + id + " addr " + s.address().get() + " port " + s.port());
            n++;
        }
        if (s.weight() >= 0 && r.userWeight() != s.weight()) {
            send("set weight " + id + " " + s.weight());
            n++;
        }
        if (r.inMaintenance()) {
            send("set server " + id + " state ready");
            n++;
        }
        return n;
    }

    /** Maintenance first (no new requests), then delete; a server that keeps connections stays in maintenance. */
    private int remove(LiveServer r) throws IOException {
        String id = r.backend() + "/" + r.name();
        int n = 0;
        if (!r.inMaintenance()) {
            send("set server " + id + " state maint");
            n++;
        }
        long deadline = System.nanoTime() + deleteWait.toNanos();
        while (true) {
            String answer = send("del server " + id);
            n++;
            if (answer.contains("Server deleted")) {
                return n;
            }
            if (System.nanoTime() > deadline) {
                LOG.info("event=runtime-server-kept-in-maint server={} reason=\"{}\"", id, answer.strip());
                return n;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while deleting " + id);
            }
        }
    }

    /** Empty when the worker serves exactly {@code after}'s servers (a gone server may remain in maintenance). */
    static Optional<String> verify(HaproxyServerLines before, HaproxyServerLines after, Map<String, Map<String, LiveServer>> live) {
        for (var backend : after.backends().entrySet()) {
            Map<String, LiveServer> running = live.getOrDefault(backend.getKey(), Map.of());
            for (Server s : backend.getValue().values()) {
                LiveServer r = running.get(s.name());
                String id = backend.getKey() + "/" + s.name();
                if (r == null) {
                    return Optional.of(id + " missing");
                }
                if (!r.address().equals(s.address().orElse(r.address())) || s.port() >= 0 && r.port() != s.port()) {
                    return Optional.of(id + " at " + r.address() + ":" + r.port() + ", wanted " + s.endpoint());
                }
                if (r.inMaintenance()) {
                    return Optional.of(id + " in maintenance");
                }
                if (s.weight() >= 0 && r.userWeight() != s.weight()) {
                    return Optional.of(id + " weight " + r.userWeight() + ", wanted " + s.weight());
                }
            }
        }
        for (var backend : before.backends().entrySet()) {
            Map<String, LiveServer> running = live.getOrDefault(backend.getKey(), Map.of());
            for (String name : backend.getValue().keySet()) {
                LiveServer r = running.get(name);
                if (r != null && !after.servers(backend.getKey()).containsKey(name) && !r.inMaintenance()) {
                    return Optional.of(backend.getKey() + "/" + name + " still serving");
                }
            }
        }
        return Optional.empty();
    }

    /** "show stat" of the servers only (type 4): their current sessions and queue. */
    @Override
    public Map<String, Integer> sessions() throws IOException {
        return parseSessions(send("show stat -1 4 -1"));
    }

    /** The CSV of "show stat": a "# pxname,svname,qcur,qmax,scur,..." header, then one line per server. */
    static Map<String, Integer> parseSessions(String csv) {
        String[] lines = csv.split("\n");
        if (lines.length == 0 || !lines[0].startsWith("# ")) {
            throw new IllegalStateException("unexpected 'show stat' answer: " + firstLine(csv));
        }
        List<String> header = List.of(lines[0].substring(2).split(","));
        int proxy = header.indexOf("pxname");
        int server = header.indexOf("svname");
        int queued = header.indexOf("qcur");
        int current = header.indexOf("scur");
        if (Math.min(Math.min(proxy, server), Math.min(queued, current)) < 0) {
            throw new IllegalStateException("'show stat' without pxname, svname, qcur or scur: " + lines[0]);
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length <= Math.max(Math.max(proxy, server), Math.max(queued, current)) || f[server].equals("BACKEND")
                    || f[server].equals("FRONTEND")) {
                continue;
            }
            out.put(f[proxy] + "/" + f[server], count(f[queued]) + count(f[current]));
        }
        return out;
    }

    private static int count(String field) {
        return field.isEmpty() ? 0 : Integer.parseInt(field);
    }

    Map<String, Map<String, LiveServer>> liveServers() throws IOException {
        return parseServersState(send("show servers state"));
    }

    /** "show servers state" (format 1): be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight ... srv_port (19th). */
    static Map<String, Map<String, LiveServer>> parseServersState(String answer) {
        String[] lines = answer.split("\n");
        if (lines.length == 0 || !lines[0].strip().equals("1")) {
            throw new IllegalStateException("unexpected 'show servers state' answer: " + firstLine(answer));
        }
        Map<String, Map<String, LiveServer>> out = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 19) {
                throw new IllegalStateException("unexpected 'show servers state' line: " + line);
            }
            LiveServer s = new LiveServer(f[1], f[3], f[4], Integer.parseInt(f[18]), Integer.parseInt(f[6]), Integer.parseInt(f[7]));
            out.computeIfAbsent(s.backend(), b -> new LinkedHashMap<>()).put(s.name(), s);
        }
        return out;
    }

    private String send(String command) throws IOException {
        String answer = cli.send(command);
        LOG.debug("event=runtime-command command=\"{}\" answer=\"{}\"", command, firstLine(answer));
        return answer;
    }

    private static void expect(String answer, String success, String what) {
        if (!answer.contains(success)) {
            throw new IllegalStateException(what + ": " + firstLine(answer));
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
