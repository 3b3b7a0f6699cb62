package io.lbsync.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedactionTest {
    @Test
    void theTokenNeverPassesAndHealthTextIsOneBoundedLine() {
        Redaction r = new Redaction(() -> Optional.of("tok-123"));
        assertThat(r.apply("{\"url\":\"http://x/?token=tok-123\"}")).isEqualTo("{\"url\":\"http://x/?token=<redacted>\"}");
        assertThat(r.forHealth("a \"b\"\n\tc\\d tok-123", 100)).isEqualTo("a 'b'  c/d <redacted>");
        assertThat(r.forHealth("x".repeat(20), 10)).isEqualTo("x".repeat(10) + "...");
        assertThat(new Redaction(Optional::empty).apply("tok-123")).isEqualTo("tok-123");
    }
}
