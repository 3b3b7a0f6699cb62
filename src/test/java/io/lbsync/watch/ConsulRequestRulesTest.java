package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** What the watch puts on the wire (DESIGN.md, Consul rules 1-3 and the token rule). */
class ConsulRequestRulesTest {
    private static CamelContext watch(String consulUrl) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("lbsync.consul.url", consulUrl);
        p.setProperty("lbsync.consul.token", "s3cr3t-token");
        p.setProperty("lbsync.consul.wait", "2s");
        camel.getPropertiesComponent().setInitialProperties(p);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("consul-watch:catalog?minInterval=20ms&backoffInitial=100ms&indexResetGrace=500ms").to("log:snapshots?level=DEBUG");
            }
        });
        camel.start();
        return camel;
    }

    @Test
    void tokenOnlyInTheHeaderAndBlockingParametersFollowTheRules() throws Exception {
        AtomicLong index = new AtomicLong(10);
        try (RecordingConsul consul = new RecordingConsul(index::get)) {
            CamelContext camel = watch(consul.url());
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> consul.indexParams("/v1/catalog/services").size() >= 3);
                // the index goes backwards (e.g. a snapshot restore): full reads until it has lasted indexResetGrace
                index.set(5);
                await().atMost(Duration.ofSeconds(5)).until(() -> consul.indexParams("/v1/catalog/services").contains("5"));
                index.set(0); // a broken server answering index 0
                await().atMost(Duration.ofSeconds(5)).until(() -> consul.indexParams("/v1/catalog/services").contains("1"));
            } finally {
                camel.stop();
            }
            var indexes = consul.indexParams("/v1/catalog/services");
            // first call without an index, then the last X-Consul-Index; after going backwards full reads (no index)
            // until the lower index is believed
            assertThat(indexes.get(0)).isEmpty();
            assertThat(indexes.get(1)).isEqualTo("10");
            int backwards = indexes.indexOf("5");
            assertThat(indexes.get(backwards - 1)).isEmpty();
            // never index=0 on the wire after the first call
            assertThat(indexes.subList(1, indexes.size())).doesNotContain("0");
            assertThat(consul.requests).allSatisfy(r -> {
                assertThat(r.uri()).doesNotContain("s3cr3t-token").doesNotContain("token=");
                assertThat(r.tokenHeader()).isEqualTo("s3cr3t-token");
            });
            assertThat(consul.requests.stream().filter(r -> !RecordingConsul.param(r.uri(), "index").isEmpty()))
                    .allSatisfy(r -> assertThat(RecordingConsul.param(r.uri(), "wait")).isEqualTo("2s"));
        }
    }
}
