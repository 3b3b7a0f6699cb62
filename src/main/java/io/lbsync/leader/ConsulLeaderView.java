package io.lbsync.leader;

import io.lbsync.render.SafeValues;
import io.lbsync.watch.Backoff;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import io.lbsync.watch.ConsulClients;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's election, on its own thread: hold a session (created again whenever Consul lost it), take
 * the lock when it is free, watch it with a blocking read, renew the session after every read. Any Consul
 * error drops leadership at once (safety first: a leader that cannot reach Consul must not act) and is retried
 * with capped backoff, forever.
 */
public final class ConsulLeaderView extends AbstractCamelClusterView {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulLeaderView.class);
    private static final Duration MIN_LOOP = Duration.ofMillis(500);

    private final Supplier<ConsulClients> clients;
    private final LeaderSettings settings;
    private final String key;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final LocalMember local = new LocalMember();
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private volatile boolean running;
    private volatile String session;
    private volatile String holder = "";
    private ConsulClients consul;
    private Thread thread;

    ConsulLeaderView(ConsulLeaderElection service, String namespace, Supplier<ConsulClients> clients, LeaderSettings settings) {
        super(service, namespace);
        this.clients = clients;
        this.settings = settings;
        this.key = settings.keyPrefix() + "/" + namespace;
    }

    @Override
    protected void doStart() {
        consul = clients.get();
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
                consul.get().keyValueClient().releaseLock(key, s);
                consul.get().sessionClient().destroySession(s);
            } catch (RuntimeException e) {
                LOG.warn("event=leader-release-failed key={} error=\"{}\" (the session expires on its own after its TTL)",
                        key, e.getMessage());
            }
        }
        setLeader(false);
        thread.interrupt();
        thread.join(settings.watchWait().plusSeconds(5).toMillis());
        consul.close();
    }

    private void loop() {
        BigInteger index = BigInteger.ZERO;
        while (running) {
            long started = System.nanoTime();
            try {
                if (session == null) {
                    session = createSession();
                }
                Optional<ConsulResponse<Value>> read = consul.get().keyValueClient().getConsulResponseWithValue(key,
                        ImmutableQueryOptions.builder().index(index).wait(settings.watchWait().toSeconds() + "s").build());
                index = read.map(ConsulResponse::getIndex).orElse(BigInteger.ZERO);
                Optional<String> heldBy = read.flatMap(r -> r.getResponse().getSession());
                holder = read.flatMap(r -> heldBy.isPresent() ? r.getResponse().getValueAsString() : Optional.empty()).orElse("");
                if (!running) {
                    return;
                }
                if (heldBy.isEmpty()) {
                    boolean acquired = consul.get().keyValueClient().acquireLock(key, settings.instance(), session);
                    holder = acquired ? settings.instance() : holder;
                    setLeader(acquired);
                } else {
                    setLeader(heldBy.get().equals(session));
                }
                renew();
                backoff.reset();
                pause(MIN_LOOP.minusNanos(System.nanoTime() - started));
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

    private String createSession() {
        String id = consul.get().sessionClient().createSession(ImmutableSession.builder()
                .name("lbsync " + getNamespace() + " " + settings.instance())
                .ttl(settings.sessionTtl().toSeconds() + "s")
                .lockDelay(settings.lockDelay().toMillis() + "ms")
                .behavior("release")
                .build()).getId();
        LOG.info("event=leader-session-created key={} instance={}", key, SafeValues.forLog(settings.instance()));
        return id;
    }

    /** A session Consul no longer knows (expired during an outage, destroyed by an operator) is replaced. */
    private void renew() {
        try {
            consul.get().sessionClient().renewSession(session);
        } catch (ConsulException e) {
            if (e.hasCode() && e.getCode() == 404) {
                LOG.warn("event=leader-session-lost key={} (expired or destroyed): creating a new one", key);
                session = null;
                setLeader(false);
                return;
            }
            throw e;
        }
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
