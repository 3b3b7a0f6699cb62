package io.lbsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.testsupport.CapturedLogs;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeapHeadroomTest {
    private static final long MB = 1 << 20;

    @Test
    void aFullHeapAfterACollectionIsSaidOnceEveryTenMinutes() {
        HeapHeadroom headroom = new HeapHeadroom();
        Instant t0 = Instant.parse("2026-12-05T07:00:00Z");
        try (CapturedLogs logs = new CapturedLogs()) {
            assertThat(headroom.afterCollection("Tenured Gen", 20 * MB, 28 * MB, t0)).as("71%: room enough").isFalse();
            assertThat(headroom.afterCollection("Tenured Gen", 25 * MB, 28 * MB, t0)).isTrue();
            assertThat(headroom.afterCollection("Tenured Gen", 26 * MB, 28 * MB, t0.plusSeconds(60))).as("said already").isFalse();
            assertThat(headroom.afterCollection("Tenured Gen", 26 * MB, 28 * MB, t0.plus(HeapHeadroom.REPEAT))).isTrue();
            assertThat(logs.all()).contains("event=heap-tight pool=\"Tenured Gen\" live_mb=25 max_mb=28", "raise -Xmx");
        }
    }

    @Test
    void theOldGenerationOfThisJvmIsWatched() {
        assertThat(ManagementFactory.getMemoryPoolMXBeans()).filteredOn(HeapHeadroom::isOldGeneration)
                .as("the pool whose use after a full collection is the live heap").isNotEmpty()
                .allSatisfy(pool -> assertThat(pool.getName()).doesNotContain("Eden", "Survivor"));
    }
}
