package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IndexTrackerTest {
    private final IndexTracker tracker = new IndexTracker();

    @Test
    void firstCallDoesNotBlockAndItsAnswerCountsAsAChange() {
        assertThat(tracker.next()).isZero();
        assertThat(tracker.observe(42)).isTrue();
        assertThat(tracker.next()).isEqualTo(42);
    }

    @Test
    void aReturnWithTheSameIndexIsNotAChange() {
        tracker.observe(42);
        assertThat(tracker.observe(42)).isFalse();
        assertThat(tracker.next()).isEqualTo(42);
    }

    @Test
    void aHigherIndexIsAChange() {
        tracker.observe(42);
        assertThat(tracker.observe(43)).isTrue();
        assertThat(tracker.next()).isEqualTo(43);
    }

    @Test
    void anIndexGoingBackwardsResetsToZeroForAFullRead() {
        tracker.observe(100);
        assertThat(tracker.observe(7)).isTrue();
        assertThat(tracker.next()).isZero();
        assertThat(tracker.observe(7)).isTrue();
        assertThat(tracker.next()).isEqualTo(7);
    }

    @Test
    void neverBlocksWithIndexZeroAfterTheFirstCall() {
        tracker.observe(0);
        assertThat(tracker.next()).isEqualTo(1);
        assertThat(tracker.observe(0)).isFalse();
        assertThat(tracker.next()).isEqualTo(1);
    }
}
