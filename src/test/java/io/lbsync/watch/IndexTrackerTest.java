package io.lbsync.watch;

import static io.lbsync.watch.IndexTracker.Observation.BACKWARDS;
import static io.lbsync.watch.IndexTracker.Observation.CHANGED;
import static io.lbsync.watch.IndexTracker.Observation.RESET;
import static io.lbsync.watch.IndexTracker.Observation.UNCHANGED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IndexTrackerTest {
    private final AtomicLong clock = new AtomicLong();
    private final IndexTracker tracker = new IndexTracker(Duration.ofSeconds(60), clock::get);

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void firstCallDoesNotBlockAndItsAnswerCountsAsAChange() {
        assertThat(tracker.next()).isZero();
        assertThat(tracker.observe(42)).isEqualTo(CHANGED);
        assertThat(tracker.next()).isEqualTo(42);
    }

    @Test
    void aRestartForAnotherAgentReadsWithoutBlockingAndTakesWhateverIndexItAnswers() {
        tracker.observe(500);
        tracker.restart();
        assertThat(tracker.next()).isZero();
        assertThat(tracker.acted()).isZero();
        assertThat(tracker.observe(480)).as("a lower index on the new agent is not 'backwards'").isEqualTo(CHANGED);
        assertThat(tracker.next()).isEqualTo(480);
    }

    @Test
    void aReturnWithTheSameIndexIsNotAChange() {
        tracker.observe(42);
        assertThat(tracker.observe(42)).isEqualTo(UNCHANGED);
        assertThat(tracker.next()).isEqualTo(42);
    }

    @Test
    void aHigherIndexIsAChange() {
        tracker.observe(42);
        assertThat(tracker.observe(43)).isEqualTo(CHANGED);
        assertThat(tracker.next()).isEqualTo(43);
    }

    @Test
    void anIndexGoingBackwardsIsNotActedOnAndTheNextReadIsAFullOne() {
        tracker.observe(100);
        assertThat(tracker.observe(7)).isEqualTo(BACKWARDS);
        assertThat(tracker.next()).isZero();
        advance(Duration.ofSeconds(30));
        assertThat(tracker.observe(7)).isEqualTo(BACKWARDS); // still older than what was acted on
        assertThat(tracker.next()).isZero();
        assertThat(tracker.acted()).isEqualTo(100);
    }

    @Test
    void anIndexBackAtTheOldOneAfterABlipIsNoChangeAndAHigherOneIsAChange() {
        tracker.observe(100);
        assertThat(tracker.observe(7)).isEqualTo(BACKWARDS);
        assertThat(tracker.observe(100)).isEqualTo(UNCHANGED);
        assertThat(tracker.next()).isEqualTo(100);
        assertThat(tracker.observe(5)).isEqualTo(BACKWARDS);
        assertThat(tracker.observe(120)).isEqualTo(CHANGED);
        assertThat(tracker.next()).isEqualTo(120);
    }

    @Test
    void aLowerIndexThatLastsTheGracePeriodIsBelievedAndFollowed() {
        tracker.observe(100);
        assertThat(tracker.observe(7)).isEqualTo(BACKWARDS);
        advance(Duration.ofSeconds(59));
        assertThat(tracker.observe(8)).isEqualTo(BACKWARDS);
        advance(Duration.ofSeconds(1));
        assertThat(tracker.observe(8)).isEqualTo(RESET);
        assertThat(tracker.next()).isEqualTo(8);
        assertThat(tracker.observe(8)).isEqualTo(UNCHANGED);
        assertThat(tracker.observe(9)).isEqualTo(CHANGED);
    }

    @Test
    void theGracePeriodStartsAgainAfterTheIndexRecovered() {
        tracker.observe(100);
        tracker.observe(7);
        advance(Duration.ofSeconds(50));
        tracker.observe(100);
        advance(Duration.ofSeconds(20));
        assertThat(tracker.observe(7)).isEqualTo(BACKWARDS);
    }

    @Test
    void withoutGraceAnIndexGoingBackwardsIsFollowedAtOnce() {
        IndexTracker immediate = new IndexTracker(Duration.ZERO, clock::get);
        immediate.observe(100);
        assertThat(immediate.observe(7)).isEqualTo(RESET);
        assertThat(immediate.next()).isEqualTo(7);
    }

    @Test
    void neverBlocksWithIndexZeroAfterTheFirstCall() {
        tracker.observe(0);
        assertThat(tracker.next()).isEqualTo(1);
        assertThat(tracker.observe(0)).isEqualTo(UNCHANGED);
        assertThat(tracker.next()).isEqualTo(1);
    }
}
