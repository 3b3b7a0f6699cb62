package io.lbsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsulTokenTest {
    @TempDir
    Path dir;

    private void write(Path file, String content, int secondsLater) throws Exception {
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(secondsLater)));
    }

    @Test
    void aTokenFileIsReadAgainWhenItChanges() throws Exception {
        Path file = dir.resolve("consul.token");
        write(file, "first-secret\n", 0);
        ConsulToken token = ConsulToken.fromFile(file);
        assertThat(token.current()).contains("first-secret");
        long version = token.version();

        write(file, "second-secret\n", 10);
        assertThat(token.current()).contains("second-secret");
        assertThat(token.version()).isEqualTo(version + 1);
    }

    @Test
    void anEmptiedOrMissingFileKeepsTheLastGoodToken() throws Exception {
        Path file = dir.resolve("consul.token");
        write(file, "good-secret", 0);
        ConsulToken token = ConsulToken.fromFile(file);
        write(file, "  \n", 10);
        assertThat(token.current()).contains("good-secret");
        Files.delete(file);
        assertThat(token.current()).contains("good-secret");
        write(file, "next-secret", 20);
        assertThat(token.current()).contains("next-secret");
    }

    @Test
    void aMissingOrEmptyFileAtStartIsAnErrorNamingThePropertyNotTheToken() throws Exception {
        assertThatThrownBy(() -> ConsulToken.fromFile(dir.resolve("nope"))).hasMessageContaining("lbsync.consul.token-file");
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> ConsulToken.fromFile(empty)).hasMessageContaining("is empty");
    }

    @Test
    void toStringNeverShowsTheToken() {
        assertThat(ConsulToken.fixed(Optional.of("s3cr3t-value")).toString()).doesNotContain("s3cr3t").isEqualTo("(set)");
        assertThat(ConsulToken.fixed(Optional.empty()).toString()).isEqualTo("(none)");
    }
}
