package io.lbsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** lbsync.consul.url: one agent, or a list of agents with the preferred one first. */
class ConsulSettingsTest {
    private static ConsulSettings with(String url) {
        Map<String, String> p = Map.of("lbsync.consul.url", url);
        return ConsulSettings.from(new Settings(name -> Optional.ofNullable(p.get(name))));
    }

    @Test
    void oneUrlIsAListOfOne() {
        assertThat(with("http://127.0.0.1:8500").urls()).containsExactly(URI.create("http://127.0.0.1:8500"));
        assertThat(ConsulSettings.from(new Settings(name -> Optional.empty())).urls())
                .containsExactly(URI.create("http://127.0.0.1:8500"));
    }

    @Test
    void aCommaSeparatedListKeepsItsOrderPreferredFirst() {
        assertThat(with(" http://a:8500 ,http://b:8500,  http://10.0.0.3:8500").urls()).containsExactly(
                URI.create("http://a:8500"), URI.create("http://b:8500"), URI.create("http://10.0.0.3:8500"));
    }

    @Test
    void eachEntryIsValidatedAndTheErrorNamesThePropertyAndTheEntry() {
        assertThatThrownBy(() -> with("http://a:8500,b:8500")).hasMessageStartingWith("lbsync.consul.url: 'b:8500'");
        assertThatThrownBy(() -> with("http://a:8500,http://b b:8500")).hasMessageStartingWith("lbsync.consul.url: 'http://b b:8500'")
                .hasMessageContaining("not a URL");
        assertThatThrownBy(() -> with("http://a:8500,,http://b:8500")).hasMessageStartingWith("lbsync.consul.url:")
                .hasMessageContaining("empty entry");
        assertThatThrownBy(() -> with("http://a:8500,")).hasMessageContaining("empty entry");
        assertThatThrownBy(() -> with("http://a:8500, http://a:8500")).hasMessage("lbsync.consul.url: 'http://a:8500' is listed twice");
    }

    @Test
    void httpAndHttpsAreNotMixedSoAFailoverNeverDropsTls() {
        assertThatThrownBy(() -> with("https://a:8501,http://b:8500")).hasMessageStartingWith("lbsync.consul.url: 'http://b:8500'")
                .hasMessageContaining("one scheme");
        ConsulSettings tls = with("https://a:8501,https://b:8501");
        assertThat(tls.tls()).isPresent();
        assertThat(tls.urls()).hasSize(2);
    }

    @Test
    void theListNeverIsEmpty() {
        assertThatThrownBy(() -> new ConsulSettings(List.of(), ConsulToken.fixed(Optional.empty()), Optional.empty(), Optional.empty(),
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1))).hasMessageContaining("lbsync.consul.url");
    }
}
