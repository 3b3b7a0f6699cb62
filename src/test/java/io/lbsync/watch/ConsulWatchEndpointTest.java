package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** consul-watch options are typed: durations and lists are read, and bad values refused, when the endpoint is created. */
class ConsulWatchEndpointTest {
    @Test
    void optionsAreReadIntoTheirTypes() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            ConsulWatchEndpoint e = camel.getEndpoint("consul-watch:catalog?services= web ,api,&exclude=&minInterval=20ms"
                    + "&backoffInitial=1s&backoffMax=1m30s&indexResetGrace=PT2M", ConsulWatchEndpoint.class);
            assertThat(e.getServices()).isEqualTo(Set.of("web", "api"));
            assertThat(e.getExclude()).isEmpty();
            assertThat(e.getMinInterval()).isEqualTo(Duration.ofMillis(20));
            assertThat(e.getBackoffInitial()).isEqualTo(Duration.ofSeconds(1));
            assertThat(e.getBackoffMax()).isEqualTo(Duration.ofSeconds(90));
            assertThat(e.getIndexResetGrace()).isEqualTo(Duration.ofMinutes(2));
            assertThat(e.serviceFilter()).accepts("web", "api").rejects("db", "consul");

            ConsulWatchEndpoint defaults = camel.getEndpoint("consul-watch:kv?prefix=/sites", ConsulWatchEndpoint.class);
            assertThat(defaults.getPrefix()).isEqualTo("sites/");
            assertThat(defaults.getServices()).isEmpty();
            assertThat(defaults.getExclude()).containsExactly("consul");
            assertThat(defaults.getBackoffInitial()).isEqualTo(Duration.ofMillis(500));
            assertThat(defaults.serviceFilter()).accepts("web").rejects("consul");
        }
    }

    @Test
    void aBadValueIsRefusedWhenTheEndpointIsCreatedNamingTheOptionAndTheValue() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            assertThatThrownBy(() -> camel.getEndpoint("consul-watch:catalog?backoffMax=soon"))
                    .isInstanceOf(ResolveEndpointFailedException.class)
                    .rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("consul-watch:catalog: backoffMax: 'soon' is not a duration (examples: 250ms, 5s, 2m)");
            assertThatThrownBy(() -> camel.getEndpoint("consul-watch:kv?minInterval=-1s"))
                    .rootCause().hasMessageStartingWith("consul-watch:kv: minInterval: '-1s' is not a duration");
            assertThatThrownBy(() -> camel.getEndpoint("consul-watch:catalog?backoffInitial=2s&backoffMax=1s"))
                    .rootCause().hasMessage("consul-watch:catalog: backoffMax (1s) is shorter than backoffInitial (2s)");
            assertThatThrownBy(() -> camel.getEndpoint("consul-watch:catalog?backoffInitial=0s"))
                    .rootCause().hasMessageContaining("backoffInitial must be longer than 0");
            assertThatThrownBy(() -> camel.getEndpoint("consul-watch:services"))
                    .rootCause().hasMessageContaining("unknown watch 'services'");
        }
    }
}
