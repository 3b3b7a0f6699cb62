package io.lbsync.quiesce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Consumers of one quiesce name with different quiet periods each keep their own (none takes the other's). */
class QuiesceComponentTest {
    @Test
    void consumersWithOtherSettingsKeepTheirOwnQuietPeriod() throws Exception {
        List<Long> fast = new CopyOnWriteArrayList<>();
        List<Long> slow = new CopyOnWriteArrayList<>();
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("quiesce:changes?minWait=50ms&maxWait=100ms").process(e -> fast.add(System.nanoTime()));
                    from("quiesce:changes?minWait=1500ms&maxWait=2s").process(e -> slow.add(System.nanoTime()));
                }
            });
            camel.start();
            ProducerTemplate producer = camel.createProducerTemplate();
            long t0 = System.nanoTime();
            producer.sendBody("quiesce:changes", "state-1");
            await().atMost(Duration.ofSeconds(5)).until(() -> !fast.isEmpty() && !slow.isEmpty());
            assertThat(Duration.ofNanos(fast.get(0) - t0)).as("the fast consumer's own quiet period").isLessThan(Duration.ofMillis(1_000));
            assertThat(Duration.ofNanos(slow.get(0) - t0)).as("the slow consumer's own quiet period").isGreaterThanOrEqualTo(Duration.ofMillis(1_400));
        }
    }
}
