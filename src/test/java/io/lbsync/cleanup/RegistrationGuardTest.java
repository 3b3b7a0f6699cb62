package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistrationGuardTest {
    private static final List<CatalogReads.Node> AGENTS = List.of(new CatalogReads.Node("node-1", "10.0.0.1"),
            new CatalogReads.Node("node-2", "10.0.0.2"), new CatalogReads.Node("node-3", "10.0.0.3"));

    private static RegistrationGuard.Registration parse(String json) {
        return RegistrationGuard.Registration.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anInstanceIsRegisteredOnTheAgentAtItsOwnAddress() {
        assertThat(RegistrationGuard.choose(parse("{\"Name\":\"web\",\"ID\":\"web-1\",\"Address\":\"10.0.0.2\"}"), AGENTS).name())
                .isEqualTo("node-2");
    }

    @Test
    void otherwiseTheSameIdAlwaysGoesToTheSameAgentWhateverTheOrder() {
        RegistrationGuard.Registration r = parse("{\"Name\":\"web\",\"ID\":\"web-1\",\"Address\":\"192.168.5.5\"}");
        String first = RegistrationGuard.choose(r, AGENTS).name();
        List<CatalogReads.Node> shuffled = new ArrayList<>(AGENTS);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(shuffled);
            assertThat(RegistrationGuard.choose(r, shuffled).name()).isEqualTo(first);
        }
    }

    @Test
    void idsSpreadOverAgents() {
        Map<String, Integer> perAgent = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            perAgent.merge(RegistrationGuard.choose(parse("{\"Name\":\"web\",\"ID\":\"web-" + i + "\"}"), AGENTS).name(), 1, Integer::sum);
        }
        assertThat(perAgent).hasSize(3).allSatisfy((agent, n) -> assertThat(n).isBetween(60, 140));
    }

    @Test
    void theIdDefaultsToTheNameAndFieldNamesAreCaseInsensitiveAsInConsul() {
        assertThat(parse("{\"name\":\"web\",\"address\":\"10.0.0.1\"}"))
                .isEqualTo(new RegistrationGuard.Registration("web", "web", "10.0.0.1"));
    }

    @Test
    void aBodyWithoutNameIsRefused() {
        assertThatThrownBy(() -> parse("{\"ID\":\"x\"}")).hasMessageContaining("Missing service name");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> parse("{")).hasMessageContaining("not JSON");
    }
}
