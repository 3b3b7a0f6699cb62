package io.lbsync.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which agent is current: a failure of the current one switches to the next, the probe brings back the preferred one. */
class ConsulAgentsTest {
    private static final URI A = URI.create("http://a:8500");
    private static final URI B = URI.create("http://b:8500");
    private static final URI C = URI.create("http://c:8500");

    /** The agents the fake probe finds answering. */
    private final Set<URI> up = ConcurrentHashMap.newKeySet();
    private final AtomicInteger probes = new AtomicInteger();
    private ConsulAgents agents;

    private ConsulAgents agents(URI... list) {
        agents = new ConsulAgents(List.of(list), agent -> {
            probes.incrementAndGet();
            return up.contains(agent);
        }, Duration.ofMillis(20), Clock.systemUTC());
        return agents;
    }

    @AfterEach
    void close() {
        if (agents != null) {
            agents.close();
        }
    }

    @Test
    void theFirstAgentIsPreferredAndOneThatDoesNotAnswerSwitchesToTheNext() {
        ConsulAgents agents = agents(A, B, C);
        assertThat(agents.current()).isEqualTo(A);
        assertThat(agents.currentIndex()).isZero();

        assertThat(agents.unreachable(A, "ConnectException")).isTrue();
        assertThat(agents.current()).isEqualTo(B);
        assertThat(agents.currentIndex()).isEqualTo(1);
        assertThat(agents.switches()).isEqualTo(1);
        assertThat(agents.lastSwitch()).hasValueSatisfying(s -> {
            assertThat(s.from()).isEqualTo(A);
            assertThat(s.to()).isEqualTo(B);
            assertThat(s.reason()).isEqualTo("unreachable: ConnectException");
        });

        // the other calls that were on A when it went away report it too: already switched, nothing more happens
        assertThat(agents.unreachable(A, "ConnectException")).isFalse();
        assertThat(agents.current()).isEqualTo(B);

        assertThat(agents.unreachable(B, "HttpConnectTimeoutException")).isTrue();
        assertThat(agents.current()).isEqualTo(C);
        assertThat(agents.unreachable(C, "ConnectException")).isTrue();
        assertThat(agents.current()).as("round the end of the list").isEqualTo(A);
        assertThat(agents.switches()).isEqualTo(3);
    }

    @Test
    void aSingleAgentNeverSwitchesAndIsNeverProbed() throws InterruptedException {
        ConsulAgents agents = agents(A);
        assertThat(agents.unreachable(A, "ConnectException")).isFalse();
        assertThat(agents.current()).isEqualTo(A);
        assertThat(agents.switches()).isZero();
        assertThat(agents.lastSwitch()).isEmpty();
        Thread.sleep(100);
        assertThat(probes).hasValue(0);
    }

    @Test
    void whileAnotherAgentIsCurrentThePreferredOneIsProbedAndUsedAgainOnceItAnswers() throws InterruptedException {
        ConsulAgents agents = agents(A, B);
        Thread.sleep(60);
        assertThat(probes).as("no probe while the preferred agent is current").hasValue(0);
        agents.unreachable(A, "ConnectException");

        await().atMost(Duration.ofSeconds(5)).until(() -> probes.get() >= 3);
        assertThat(agents.current()).as("the preferred agent does not answer yet").isEqualTo(B);

        up.add(A);
        await().atMost(Duration.ofSeconds(5)).until(() -> agents.current().equals(A));
        assertThat(agents.switches()).isEqualTo(2);
        assertThat(agents.lastSwitch()).hasValueSatisfying(s -> {
            assertThat(s.from()).isEqualTo(B);
            assertThat(s.to()).isEqualTo(A);
            assertThat(s.reason()).isEqualTo("preferred agent answers again");
        });
        int probed = probes.get();
        Thread.sleep(100);
        assertThat(probes.get()).as("no probe once back on the preferred agent").isEqualTo(probed);
    }

    @Test
    void aSwitchTellsTheListenersAndThenCancelsTheCallsStillRunningOnTheOldAgent() {
        ConsulAgents agents = agents(A, B);
        AtomicInteger told = new AtomicInteger();
        CompletableFuture<String> onA = new CompletableFuture<>();
        Runnable listener = () -> {
            assertThat(onA).as("listeners run before the old agent's calls are cancelled").isNotCancelled();
            told.incrementAndGet();
        };
        agents.addListener(listener);
        agents.started(onA, A);

        agents.unreachable(A, "ConnectException");
        assertThat(told).hasValue(1);
        assertThat(onA).isCancelled();

        // a call that chose A just before the switch is cancelled as it starts
        CompletableFuture<String> late = new CompletableFuture<>();
        agents.started(late, A);
        assertThat(late).isCancelled();
        // calls on the new agent run on
        CompletableFuture<String> onB = new CompletableFuture<>();
        agents.started(onB, B);
        assertThat(onB).isNotCancelled();

        agents.removeListener(listener);
        up.add(A);
        await().atMost(Duration.ofSeconds(5)).until(() -> agents.current().equals(A));
        assertThat(told).as("removed listeners are not told").hasValue(1);
        assertThat(onB).as("the switch back cancels what runs on B").isCancelled();
        agents.ended(onA);
        agents.ended(onB);
        agents.ended(late);
    }

    @Test
    void theUrlsAreShownWithoutUserInfo() {
        assertThat(ConsulAgents.forDisplay(URI.create("http://user:secret@a:8500"))).isEqualTo("http://a:8500");
        assertThat(ConsulAgents.forDisplay(A)).isEqualTo("http://a:8500");
    }
}
