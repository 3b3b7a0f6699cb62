package io.lbsync.watch;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.config.ConsulSettings;
import io.lbsync.config.ConsulToken;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.testsupport.ConsulTestCluster;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConsulReader#summaries}: a watch of named services asks Consul for theirs alone, and falls back to the whole list
 * when a name cannot be put into a filter safely or the names are too many. (That real Consul answers the same filter
 * alike: ConsulSimUiServicesTest, which also runs on real Consul.)
 */
class ConsulReaderSummariesTest {
    private ConsulTestCluster cluster;
    private ConsulClientFactory factory;
    private ConsulReader reader;
    private final String web = unique("sumweb");
    private final String api = unique("sumapi");
    private final String other = unique("sumother");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        factory = ConsulClientFactory.create(new ConsulSettings(List.of(URI.create(cluster.url())),
                ConsulToken.fixed(Optional.ofNullable(cluster.token())), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(5), Duration.ofSeconds(10)));
        reader = new ConsulReader(factory);
        for (String name : List.of(web, api, other)) {
            cluster.http().registerService(cluster.nodes().get(0),
                    "{\"ID\":\"" + name + "-1\",\"Name\":\"" + name + "\",\"Port\":80}").requireOk();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.summaries(Set.of()).services().keySet()
                .containsAll(Set.of(web, api, other)));
    }

    @AfterEach
    void stop() {
        if (factory != null) {
            factory.close();
        }
        if (cluster != null) {
            for (String name : List.of(web, api, other)) {
                cluster.http().deregisterService(cluster.nodes().get(0), name + "-1");
            }
            cluster.close();
        }
    }

    @Test
    void namedServicesAreTheOnlyOnesAskedFor() {
        assertThat(reader.summaries(Set.of(web, api)).services()).containsOnlyKeys(web, api);
        assertThat(reader.summaries(Set.of(web, unique("unregistered"))).services()).containsOnlyKeys(web);
    }

    @Test
    void aNameAFilterCouldMisreadGetsTheWholeList() {
        assertThat(ConsulReader.namesFilter(Set.of(web, "we\"b"))).isEmpty();
        assertThat(ConsulReader.namesFilter(Set.of("a\\b"))).isEmpty();
        assertThat(ConsulReader.namesFilter(Set.of("a\nb"))).isEmpty();
        assertThat(reader.summaries(Set.of(web, "x\" or Service.Service != \"")).services()).containsKeys(web, api, other);
    }

    @Test
    void tooManyNamesGetTheWholeList() {
        Set<String> many = IntStream.range(0, 300).mapToObj(i -> "service-with-a-long-name-" + i).collect(Collectors.toSet());
        assertThat(ConsulReader.namesFilter(many)).isEmpty();
        assertThat(ConsulReader.namesFilter(Set.of(web))).startsWith("?filter=");
    }
}
