package io.lbsync.leader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lbsync.consul.ConsulAgentSwitchedException;
import io.lbsync.consul.ConsulAnswers;
import io.lbsync.consul.ConsulBadResponseException;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.render.SafeValues;
import io.lbsync.watch.Backoff;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's election, on its own thread: hold a session (created again whenever Consul lost it), take
 * the lock when it is free, watch it with a blocking read, renew the session after every read. Any Consul
 * error drops leadership at once (safety first: a leader that cannot reach Consul must not act) and is retried
 * with capped backoff, forever. Every call goes through the process's one Consul client (io.lbsync.consul), one at a
 * time: one connection of the budget (docs/design-watching.md). After a switch of Consul agents the lock is read again
 * without blocking on the new agent (indexes are per agent).
 */
public final class ConsulLeaderView extends AbstractCamelClusterView {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulLeaderView.class);
    private static final Duration MIN_LOOP = Duration.ofMillis(500);

    private final ConsulClient consul;
    private final LeaderSettings settings;
    private final String key;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final LocalMember local = new LocalMember();
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private volatile boolean running;
    private volatile String session;
    private volatile String holder = "";
    private Thread thread;

    ConsulLeaderView(ConsulLeaderElection service, String namespace, ConsulClient consul, LeaderSettings settings) {
        super(service, namespace);
        this.consul = consul;
        this.settings = settings;
        this.key = settings.keyPrefix() + "/" + namespace;
    }

    @Override
    protected void doStart() {
        running = true;
        thread = new Thread(this::loop, "lbsync-leader-" + getNamespace());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    protected void doStop() throws InterruptedException {
        running = false;
        String s = session;
        if (s != null) {
            try {
                // release first: no lock-delay for the next leader, and our blocking read wakes up at once
                consul.put(keyPath() + "?release=" + ConsulClient.segment(s), new byte[0]).requireOk();
                consul.put("/v1/session/destroy/" + ConsulClient.segment(s), new byte[0]).requireOk();
            } catch (RuntimeException e) {
                LOG.warn("event=leader-release-failed key={} error=\"{}\" (the session expires on its own after its TTL)",
                        key, e.getMessage());
            }
        }
        setLeader(false);
        thread.interrupt();
        thread.join(settings.watchWait().plusSeconds(5).toMillis());
    }

    private void loop() {
        long index = 0;
        URI indexFrom = null;
        while (running) {
            long started = System.nanoTime();
            try {
                if (session == null) {
                    session = createSession();
                }
                if (!consul.localAgent().equals(indexFrom)) {
                    index = 0; // lbsync switched Consul agents: indexes are per agent, start again without blocking
                }
                ConsulResponse read = consul.blockingGet(keyPath(), index, settings.watchWait());
                Optional<JsonNode> entry = lockEntry(read);
                index = entry.isPresent() ? read.index() : 0; // no key yet: read again without blocking (as before)
                indexFrom = read.agent();
                Optional<String> heldBy = entry.map(e -> e.path("Session")).filter(JsonNode::isTextual).map(JsonNode::asText)
                        .filter(id -> !id.isEmpty());
                holder = heldBy.isPresent() ? ConsulAnswers.value(read, entry.get()) : "";
                if (!running) {
                    return;
                }
                if (heldBy.isEmpty()) {
                    boolean acquired = acquire();
                    holder = acquired ? settings.instance() : holder;
                    setLeader(acquired);
                } else {
                    setLeader(heldBy.get().equals(session));
                }
                renew();
                backoff.reset();
                pause(MIN_LOOP.minusNanos(System.nanoTime() - started));
            } catch (ConsulAgentSwitchedException e) {
                // a call cancelled by a switch of agents says nothing about the lock: read it again at once, on the new
                // agent (a session lost with the old agent's node shows there)
                LOG.debug("event=leader-read-cancelled key={} reason=\"{}\"", key, e.getMessage());
            } catch (Exception e) { // okhttp throws InterruptedException undeclared when doStop interrupts a call
                if (!running || e instanceof InterruptedException) {
                    return;
                }
                setLeader(false);
                Duration delay = backoff.nextDelay();
                LOG.warn("event=leader-election-error key={} retry_in={}ms error=\"{}\"", key, delay.toMillis(),
                        SafeValues.quotedForLog(e.getMessage()));
                pause(delay);
            }
        }
    }

    /** {@code /v1/kv/<key>}, each segment of the key percent-encoded. */
    private String keyPath() {
        return "/v1/kv/" + ConsulClient.keyPath(key);
    }

    /** The lock key's entry from a GET of it; empty when the key does not exist (404). */
    private static Optional<JsonNode> lockEntry(ConsulResponse read) {
        if (read.status() == 404) {
            return Optional.empty();
        }
        JsonNode entries = ConsulAnswers.array(read.requireOk());
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(0));
    }

    /** PUT ?acquire: true when this session holds the lock now. */
    private boolean acquire() {
        ConsulResponse r = consul.put(keyPath() + "?acquire=" + ConsulClient.segment(session),
                settings.instance().getBytes(StandardCharsets.UTF_8)).requireOk();
        return r.json().asBoolean(false);
    }

    private String createSession() {
        ObjectNode body = JsonNodeFactory.instance.objectNode()
                .put("Name", "lbsync " + getNamespace() + " " + settings.instance())
                .put("TTL", settings.sessionTtl().toSeconds() + "s")
                .put("LockDelay", settings.lockDelay().toMillis() + "ms")
                .put("Behavior", "release");
        ConsulResponse r = consul.put("/v1/session/create", body.toString().getBytes(StandardCharsets.UTF_8)).requireOk();
        String id = r.json().path("ID").asText("");
        if (id.isEmpty()) {
            throw new ConsulBadResponseException(r.path(), "no session ID");
        }
        LOG.info("event=leader-session-created key={} instance={}", key, SafeValues.forLog(settings.instance()));
        return id;
    }

    /** A session Consul no longer knows (expired during an outage, destroyed by an operator) is replaced. */
    private void renew() {
        ConsulResponse r = consul.put("/v1/session/renew/" + ConsulClient.segment(session), new byte[0]);
        if (r.status() == 404) {
            LOG.warn("event=leader-session-lost key={} (expired or destroyed): creating a new one", key);
            session = null;
            setLeader(false);
            return;
        }
        r.requireOk();
    }

    private void setLeader(boolean now) {
        if (leader.compareAndSet(!now, now)) {
            LOG.info("event={} key={} instance={}", now ? "leadership-taken" : "leadership-lost", key,
                    SafeValues.forLog(settings.instance()));
            fireLeadershipChangedEvent(now ? Optional.of(local) : Optional.empty());
        }
    }

    private void pause(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** The instance name stored in the lock, empty when nobody holds it (as last seen). */
    String leaderName() {
        return holder;
    }

    @Override
    public Optional<CamelClusterMember> getLeader() {
        return leader.get() ? Optional.of(local) : Optional.empty();
    }

    @Override
    public CamelClusterMember getLocalMember() {
        return local;
    }

    @Override
    public List<CamelClusterMember> getMembers() {
        return List.of(local);
    }

    /** This instance; other instances are only known by the name in the lock ({@link #leaderName()}). */
    private final class LocalMember implements CamelClusterMember {
        @Override
        public boolean isLeader() {
            return leader.get();
        }

        @Override
        public boolean isLocal() {
            return true;
        }

        @Override
        public String getId() {
            return settings.instance();
        }
    }
}
