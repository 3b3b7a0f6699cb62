package io.lbsync.consul;

import io.lbsync.DaemonThreads;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of the agents in lbsync.consul.url lbsync reads the local datacenter through: the one owner of "the current
 * agent" for every call of a {@link ConsulClient} that names no agent (the watches, the leader election, the cleanup's
 * catalog reads, the change guard's corroboration). The first agent is preferred.
 * <ul>
 * <li>A call to the current agent that gets no answer (refused, reset, timed out: {@link ConsulUnreachableException},
 * never an HTTP error from a live agent) switches to the next agent in the list, round the end to the first.</li>
 * <li>While another agent is current, the preferred one is probed every {@link #PROBE_INTERVAL} (a short
 * {@code GET /v1/status/leader}); once it answers with a leader, lbsync switches back to it.</li>
 * <li>A switch tells the listeners (the watches restart their blocking indexes: the next read of each is a
 * non-blocking one on the new agent) and then cancels the calls still running on the old agent (a long poll there
 * would otherwise go on for up to its wait), so lbsync talks to one agent at a time, plus the probe.</li>
 * </ul>
 * Each switch logs one {@code event=consul-agent-switch} line (the URLs without user info; the token is never in a
 * URL). With a single agent nothing ever switches and no probe runs. Thread-safe.
 */
public final class ConsulAgents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulAgents.class);
    /** How often the preferred agent is probed while another one is current. */
    public static final Duration PROBE_INTERVAL = Duration.ofSeconds(3);
    /** The probe's timeout: an agent that takes longer is not back. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    /** One switch: when, from which agent to which, and why. */
    public record Switch(Instant at, URI from, URI to, String reason) {
    }

    private final List<URI> agents;
    private final Predicate<URI> probe;
    private final Duration probeInterval;
    private final Clock clock;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Calls running on an agent, cancelled when lbsync switches away from it. */
    private final Map<Future<?>, URI> running = new ConcurrentHashMap<>();
    private volatile int current;
    private volatile long switches;
    private volatile Switch lastSwitch;
    private ScheduledExecutorService prober;
    private boolean closed;

    /**
     * @param agents the agents, preferred first
     * @param probe  whether an agent answers (and knows a leader); called on the probe thread, must be quick
     */
    public ConsulAgents(List<URI> agents, Predicate<URI> probe) {
        this(agents, probe, PROBE_INTERVAL, Clock.systemUTC());
    }

    ConsulAgents(List<URI> agents, Predicate<URI> probe, Duration probeInterval, Clock clock) {
        if (agents.isEmpty()) {
            throw new IllegalArgumentException("no Consul agent");
        }
        this.agents = List.copyOf(agents);
        this.probe = probe;
        this.probeInterval = probeInterval;
        this.clock = clock;
    }

    /** The agent lbsync's calls go to now. */
    public URI current() {
        return agents.get(current);
    }

    /** Its position in {@link #all()}: 0 is the preferred agent. */
    public int currentIndex() {
        return current;
    }

    /** Every agent, preferred first, as configured. */
    public List<URI> all() {
        return agents;
    }

    /** Switches since start. */
    public long switches() {
        return switches;
    }

    public Optional<Switch> lastSwitch() {
        return Optional.ofNullable(lastSwitch);
    }

    /** Run after every switch (before the old agent's calls are cancelled). */
    public void addListener(Runnable onSwitch) {
        listeners.add(onSwitch);
    }

    public void removeListener(Runnable onSwitch) {
        listeners.remove(onSwitch);
    }

    /**
     * A call to {@code agent} got no answer: when it is still the current agent and there is another, switch to the
     * next one. True when this call switched.
     */
    public boolean unreachable(URI agent, String why) {
        synchronized (this) {
            if (agents.size() == 1 || closed || !agents.get(current).equals(agent)) {
                return false; // the only one, or another call already switched away from it
            }
            return switchTo((current + 1) % agents.size(), "unreachable: " + why);
        }
    }

    /** A call on {@code agent} starts: it is cancelled if lbsync switches away from that agent before it ends. */
    void started(Future<?> call, URI agent) {
        if (agents.size() > 1) {
            running.put(call, agent);
            if (!agent.equals(current())) {
                call.cancel(true); // switched between choosing the agent and sending
            }
        }
    }

    void ended(Future<?> call) {
        running.remove(call);
    }

    /** The probe's work: back to the preferred agent once it answers. */
    void probePreferred() {
        if (current == 0 || !probe.test(agents.get(0))) {
            return;
        }
        synchronized (this) {
            if (current != 0 && !closed) {
                switchTo(0, "preferred agent answers again");
            }
        }
    }

    /** Under this object's lock. */
    private boolean switchTo(int next, String reason) {
        URI from = agents.get(current);
        URI to = agents.get(next);
        current = next;
        switches++;
        lastSwitch = new Switch(clock.instant(), from, to, reason);
        LOG.info("event=consul-agent-switch from={} to={} agent_index={} reason=\"{}\"", forDisplay(from), forDisplay(to), next,
                reason.replace('"', '\''));
        listeners.forEach(ConsulAgents::notify);
        running.forEach((call, agent) -> {
            if (agent.equals(from)) {
                call.cancel(true);
            }
        });
        if (next != 0 && prober == null) {
            prober = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("lbsync-consul-probe"));
            long ms = probeInterval.toMillis();
            prober.scheduleWithFixedDelay(this::probeSafely, ms, ms, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    private static void notify(Runnable listener) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            LOG.error("event=consul-agent-switch-listener-failed error=\"{}\"", e.toString().replace('"', '\''), e);
        }
    }

    private void probeSafely() {
        try {
            probePreferred();
        } catch (RuntimeException e) {
            LOG.debug("event=consul-agent-probe-failed error=\"{}\"", e.toString());
        }
    }

    /** An agent's URL as logs and /status show it: without user info. */
    public static String forDisplay(URI agent) {
        return agent.getRawUserInfo() == null ? agent.toString() : agent.toString().replace(agent.getRawUserInfo() + "@", "");
    }

    /** Stops the probe; no switch happens afterwards. */
    @Override
    public synchronized void close() {
        closed = true;
        if (prober != null) {
            prober.shutdownNow();
        }
    }
}
