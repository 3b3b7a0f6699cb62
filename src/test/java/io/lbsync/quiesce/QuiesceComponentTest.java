package io.lbsync.quiesce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/**
 * Consumers of one quiesce name with different quiet periods each keep their own (none takes the other's); minWait and
 * maxWait are durations, refused when the endpoint is created if they are not.
 */
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

    @Test
    void durationsAreTypedAndTheDefaultMaxWaitIsFourTimesMinWait() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            QuiesceEndpoint lbsync = camel.getEndpoint("quiesce:a?minWait=250ms&maxWait=2s", QuiesceEndpoint.class);
            assertThat(lbsync.getMinWait()).isEqualTo(Duration.ofMillis(250));
            assertThat(lbsync.getMaxWait()).isEqualTo(Duration.ofSeconds(2));
            QuiesceEndpoint camelStyle = camel.getEndpoint("quiesce:b?minWait=1m30s&maxWait=PT2M", QuiesceEndpoint.class);
            assertThat(camelStyle.getMinWait()).isEqualTo(Duration.ofSeconds(90));
            assertThat(camelStyle.getMaxWait()).isEqualTo(Duration.ofMinutes(2));
            QuiesceEndpoint bare = camel.getEndpoint("quiesce:c?minWait=100", QuiesceEndpoint.class);
            assertThat(bare.getMinWait()).isEqualTo(Duration.ofMillis(100));
            assertThat(bare.getMaxWait()).as("not set: 4 x minWait when consumed").isNull();
            // a property left empty ("maxWait: {{lbsync.wait.max}}") leaves the default
            assertThat(camel.getEndpoint("quiesce:d?minWait=1s&maxWait=", QuiesceEndpoint.class).getMaxWait()).isNull();
            assertThat(camel.getEndpoint("quiesce:e", QuiesceEndpoint.class).getMinWait()).isEqualTo(Duration.ZERO);
        }
    }

    @Test
    void aBadDurationIsRefusedWhenTheEndpointIsCreatedNamingTheOptionAndTheValue() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            assertThatThrownBy(() -> camel.getEndpoint("quiesce:changes?minWait=soon"))
                    .isInstanceOf(ResolveEndpointFailedException.class)
                    .rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("quiesce:changes: minWait: 'soon' is not a duration (examples: 250ms, 5s, 2m)");
            assertThatThrownBy(() -> camel.getEndpoint("quiesce:changes?minWait=1s&maxWait=-1s"))
                    .rootCause().hasMessageStartingWith("quiesce:changes: maxWait: '-1s' is not a duration");
            assertThatThrownBy(() -> camel.getEndpoint("quiesce:changes?minWait=PT-5S"))
                    .rootCause().hasMessageStartingWith("quiesce:changes: minWait: 'PT-5S' is not a duration");
            assertThatThrownBy(() -> camel.getEndpoint("quiesce:changes?minWait=2s&maxWait=500ms"))
                    .rootCause().hasMessage("quiesce:changes: maxWait (500ms) is shorter than minWait (2s)");
            assertThatThrownBy(() -> camel.getEndpoint("quiesce:changes?minWait=1s&maxWiat=2s"))
                    .as("an unknown option").hasMessageContaining("maxWiat");
        }
    }

    @Test
    void oneDebouncerPerNameAndSettings() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.start();
            QuiesceComponent quiesce = camel.getComponent("quiesce", QuiesceComponent.class);
            Duration ms50 = Duration.ofMillis(50);
            Duration ms100 = Duration.ofMillis(100);
            Debouncer first = quiesce.debouncer("changes", ms50, ms100);
            assertThat(quiesce.debouncer("changes", Duration.ofMillis(50), Duration.ofMillis(100))).isSameAs(first);
            assertThat(quiesce.debouncer("changes", ms50, Duration.ofMillis(200))).as("other maxWait").isNotSameAs(first);
            assertThat(quiesce.debouncer("changes", ms100, ms100)).as("other minWait").isNotSameAs(first);
            assertThat(quiesce.debouncer("others", ms50, ms100)).as("other name").isNotSameAs(first);
        }
    }

    /** As routes/*.yaml pass them: YAML parameters from lbsync properties, resolved and typed at creation. */
    @Test
    void yamlRouteParametersFromPropertiesAreBound() throws Exception {
        String yaml = """
                - route:
                    id: typed
                    from:
                      uri: quiesce:consul-changes
                      parameters:
                        minWait: "{{lbsync.wait.min}}"
                        maxWait: "{{lbsync.wait.max}}"
                      steps:
                        - to: log:typed
                """;
        try (CamelContext camel = new DefaultCamelContext()) {
            Properties props = new Properties();
            props.setProperty("lbsync.wait.min", "250ms");
            props.setProperty("lbsync.wait.max", "2s");
            camel.getPropertiesComponent().setInitialProperties(props);
            PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString("typed.yaml", yaml));
            camel.start();
            QuiesceEndpoint endpoint = (QuiesceEndpoint) camel.getRoute("typed").getEndpoint();
            assertThat(endpoint.getMinWait()).isEqualTo(Duration.ofMillis(250));
            assertThat(endpoint.getMaxWait()).isEqualTo(Duration.ofSeconds(2));
        }
    }
}
