package io.lbsync.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {
    private static final String BEFORE = "backend web\n    server web-1 10.0.0.1:80\n    server web-2 10.0.0.2:80\nbackend api\n";

    @Test
    void namesTheServerThatCameAndTheOneThatWent() {
        String after = "backend web\n    server web-2 10.0.0.2:80\n    server web-3 10.0.0.3:80\nbackend api\n";
        assertThat(ConfigDiff.unified(BEFORE, after, 50)).containsExactly(
                "@@ -2 +1,0 @@", "-    server web-1 10.0.0.1:80",
                "@@ -3,0 +3 @@", "+    server web-3 10.0.0.3:80");
    }

    @Test
    void aReplacedLineIsOneHunk() {
        String after = BEFORE.replace("10.0.0.2", "10.0.0.9");
        assertThat(ConfigDiff.unified(BEFORE, after, 50))
                .containsExactly("@@ -3 +3 @@", "-    server web-2 10.0.0.2:80", "+    server web-2 10.0.0.9:80");
    }

    @Test
    void equalConfigsHaveNoDiffAndAFirstInstallIsAllAdded() {
        assertThat(ConfigDiff.unified(BEFORE, BEFORE, 50)).isEmpty();
        assertThat(ConfigDiff.unified("", "a\nb\n", 50)).containsExactly("@@ -0,0 +1,2 @@", "+a", "+b");
    }

    @Test
    void theOutputIsBounded() {
        String big = IntStream.range(0, 1000).mapToObj(i -> "server s" + i).collect(Collectors.joining("\n"));
        assertThat(ConfigDiff.unified("", big, 20)).hasSize(21).last().isEqualTo("... 981 more diff lines");
    }

    @Test
    void aHugeRewriteStaysCheap() {
        String a = IntStream.range(0, 5000).mapToObj(i -> "a" + i).collect(Collectors.joining("\n"));
        String b = IntStream.range(0, 5000).mapToObj(i -> "b" + i).collect(Collectors.joining("\n"));
        assertThat(ConfigDiff.unified(a, b, 10)).first().isEqualTo("@@ -1,5000 +1,5000 @@");
    }
}
