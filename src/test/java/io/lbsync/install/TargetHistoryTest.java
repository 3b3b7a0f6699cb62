package io.lbsync.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetHistoryTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final TargetHistory history = new TargetHistory();
    private final ConfigSummary config = new ConfigSummary("00", 2, 1, 1);

    private static TargetStatus status(TargetStatus.Result r, int second) {
        return new TargetStatus(r, T0.plusSeconds(second), "");
    }

    @Test
    void anInstallIsRememberedAfterLaterRunsReplacedIt() {
        history.rendered(new TargetHistory.Render(T0, config), null);
        TargetStatus installed = status(TargetStatus.Result.INSTALLED, 1);
        assertThat(history.view(installed).lastInstall()).isEqualTo(installed.at());

        history.rendered(new TargetHistory.Render(T0.plusSeconds(5), config), installed); // next run: unchanged
        TargetHistory.View v = history.view(status(TargetStatus.Result.UNCHANGED, 6));
        assertThat(v.lastInstall()).isEqualTo(installed.at());
        assertThat(v.lastRender().at()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void failuresInARowKeepTheirFirstTimeUntilASuccess() {
        TargetStatus ok = status(TargetStatus.Result.INSTALLED, 1);
        history.failed(ok, T0.plusSeconds(10));
        TargetStatus failed = status(TargetStatus.Result.FAILED, 10);
        history.failed(failed, T0.plusSeconds(12));
        TargetHistory.View v = history.view(status(TargetStatus.Result.FAILED, 12));
        assertThat(v.failingSince()).isEqualTo(T0.plusSeconds(10));
        assertThat(v.consecutiveFailures()).isEqualTo(2);
        assertThat(v.lastInstall()).isEqualTo(ok.at());

        v = history.view(status(TargetStatus.Result.UNCHANGED, 20));
        assertThat(v.failingSince()).isNull();
        assertThat(v.consecutiveFailures()).isZero();
    }

    @Test
    void timingsForTheStatusPage() {
        history.runStarted(T0);
        history.rendered(new TargetHistory.Render(T0.plusMillis(30), config), null);
        for (int i = 1; i <= TargetHistory.DIFFS_KEPT + 2; i++) {
            history.diff(new TargetHistory.Diff(T0.plusSeconds(i), false, List.of("+server s" + i)));
        }
        history.reloaded(new TargetHistory.Reload(T0.plusSeconds(9), Duration.ofMillis(120), true));
        TargetHistory.Timings t = history.timings();
        assertThat(t.runStarted()).isEqualTo(T0);
        assertThat(t.renderTook()).isEqualTo(Duration.ofMillis(30));
        assertThat(t.diffs()).hasSize(TargetHistory.DIFFS_KEPT);
        assertThat(t.diffs().get(0).lines()).containsExactly("+server s" + (TargetHistory.DIFFS_KEPT + 2)); // newest first
        assertThat(t.lastReload().took()).isEqualTo(Duration.ofMillis(120));
    }
}
