package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentUrlsTest {
    private static AgentUrls urls(String pattern, Map<String, String> props) {
        return new AgentUrls(pattern, name -> Optional.ofNullable(props.get(name)));
    }

    @Test
    void fillsInTheNodesAddressAndName() {
        assertThat(urls("http://{address}:8500", Map.of()).forNode("node-1", "10.0.0.7")).isEqualTo(URI.create("http://10.0.0.7:8500"));
        assertThat(urls("https://{node}.consul.internal:8501", Map.of()).forNode("node-1", "10.0.0.7"))
                .isEqualTo(URI.create("https://node-1.consul.internal:8501"));
        assertThat(urls("http://{address}:8500", Map.of()).forNode("n", "fd00::7")).isEqualTo(URI.create("http://[fd00::7]:8500"));
    }

    @Test
    void aPerNodePropertyWins() {
        AgentUrls u = urls("http://{address}:8500", Map.of("lbsync.cleanup.agent-url.node-2", "http://127.0.0.1:18502"));
        assertThat(u.forNode("node-2", "10.0.0.2")).isEqualTo(URI.create("http://127.0.0.1:18502"));
        assertThat(u.forNode("node-3", "10.0.0.3")).isEqualTo(URI.create("http://10.0.0.3:8500"));
    }

    @Test
    void valuesFromConsulCannotReshapeTheUrl() {
        AgentUrls u = urls("http://{address}:8500", Map.of());
        assertThatThrownBy(() -> u.forNode("node-1", "evil.com/x?#")).hasMessageContaining("no usable address")
                .hasMessageContaining("lbsync.cleanup.agent-url.node-1");
        assertThatThrownBy(() -> urls("http://{node}:8500", Map.of()).forNode("a@evil.com", "10.0.0.1"))
                .hasMessageContaining("cannot be used");
    }

    @Test
    void aBadPatternOrOverrideIsNamed() {
        assertThatThrownBy(() -> urls("ftp://{address}", Map.of())).hasMessageContaining("lbsync.cleanup.agent-url");
        AgentUrls u = urls("http://{address}:8500", Map.of("lbsync.cleanup.agent-url.node-2", "not a url"));
        assertThatThrownBy(() -> u.forNode("node-2", "10.0.0.2")).hasMessageContaining("lbsync.cleanup.agent-url.node-2");
    }
}
