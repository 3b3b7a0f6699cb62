package io.lbsync.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.model.ServiceListing;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The node dump (/v1/internal/ui/nodes) read token by token into a {@link ServiceListing}, and compared. */
class ConsulAnswersListingTest {
    /** The parser as lbsync calls it: on the body as it arrives. */
    private static ServiceListing listing(ConsulResponse r) throws java.io.IOException {
        return ConsulAnswers.listing(r, new java.io.ByteArrayInputStream(r.bytes()));
    }

    private static ConsulResponse answer(String body, long index) {
        return new ConsulResponse(URI.create("http://127.0.0.1:8500"), "/v1/internal/ui/nodes?stale", 200, body,
                Optional.of(Long.toString(index)), Optional.of("true"), Optional.of("0"));
    }

    private static final String DUMP = """
            [{"ID":"a1","Node":"agent-a","Address":"10.0.0.1","TaggedAddresses":{"lan":"10.0.0.1"},"Meta":{"k":"v"},
              "Services":[{"ID":"web-1","Service":"web","Tags":["x"],"Meta":{"Service":"not-this"},"Port":80,
                           "Weights":{"Passing":1},"Proxy":{"Expose":{}},"CreateIndex":5,"ModifyIndex":7},
                          {"ID":"api-1","Service":"api","CreateIndex":6,"ModifyIndex":6}],
              "Checks":[{"Node":"agent-a","CheckID":"serfHealth","ServiceName":"","ModifyIndex":3}]},
             {"Services":[{"ID":"web-2","Service":"web","ModifyIndex":9}],"Node":"agent-b","Checks":[]},
             {"ID":"s","Node":"srv-1","Services":[],"Checks":[]}]
            """;

    @Test
    void everyRegistrationWithItsModifyIndexWhateverTheFieldOrder() throws Exception {
        ServiceListing listing = listing(answer(DUMP, 42));
        assertThat(listing.index()).isEqualTo(42);
        assertThat(listing.registrations()).isEqualTo(Map.of(
                "web", Map.of("agent-a/web-1", 7L, "agent-b/web-2", 9L),
                "api", Map.of("agent-a/api-1", 6L)));
    }

    @Test
    void changedServicesAreThoseRegisteredChangedOrGone() throws Exception {
        ServiceListing before = listing(answer(DUMP, 42));
        String after = DUMP.replace("\"ModifyIndex\":9", "\"ModifyIndex\":50") // web-2 re-registered
                .replace("{\"ID\":\"api-1\",\"Service\":\"api\",\"CreateIndex\":6,\"ModifyIndex\":6}",
                        "{\"ID\":\"db-1\",\"Service\":\"db\",\"ModifyIndex\":51}"); // api gone, db new
        assertThat(listing(answer(after, 51)).changedSince(before)).containsExactlyInAnyOrder("web", "api", "db");
        assertThat(before.changedSince(before)).isEmpty();
        assertThat(before.changedSince(null)).containsExactlyInAnyOrder("web", "api");
    }

    @Test
    void aBodyOfTheWrongShapeIsAnErrorNotAnEmptyListing() throws Exception {
        assertThatThrownBy(() -> listing(answer("{}", 1))).isInstanceOf(ConsulBadResponseException.class);
        assertThatThrownBy(() -> listing(answer("[{\"Services\":[]}]", 1)))
                .isInstanceOf(ConsulBadResponseException.class).hasMessageContaining("without a name");
        assertThatThrownBy(() -> listing(answer("[{\"Node\":", 1))).isInstanceOf(ConsulBadResponseException.class);
    }
}
