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

    @Test
    void lineNumbersCountFromTheTopOfALargeConfig() {
        String big = IntStream.range(0, 4000).mapToObj(i -> "    server s" + i + " 10.0.0.1:" + i).collect(Collectors.joining("\n", "", "\n"));
        String after = big.replace("server s2500 10.0.0.1:2500\n", "server s2500 10.0.0.9:2500\n");
        assertThat(ConfigDiff.unified(big, after, 50)).containsExactly("@@ -2501 +2501 @@",
                "-    server s2500 10.0.0.1:2500", "+    server s2500 10.0.0.9:2500");
        assertThat(ConfigDiff.unified(big, big + "tail\n", 50)).containsExactly("@@ -4000,0 +4001 @@", "+tail");
        assertThat(ConfigDiff.unified("head\n" + big, big, 50)).containsExactly("@@ -1 +0,0 @@", "-head");
    }

    @Test
    void firstAndLastLinesAndLinesWithoutAnEnd() {
        assertThat(ConfigDiff.unified("a\nb\nc", "x\nb\nc", 50)).containsExactly("@@ -1 +1 @@", "-a", "+x");
        assertThat(ConfigDiff.unified("a\nb\nc", "a\nb\ncd", 50)).containsExactly("@@ -3 +3 @@", "-c", "+cd");
        assertThat(ConfigDiff.unified("a\nb", "a\nb\n", 50)).as("only the last line's end differs: the lines are equal")
                .isEmpty();
        assertThat(ConfigDiff.unified("a\nb", "a\nbc\nd\n", 50)).containsExactly("@@ -2 +2,2 @@", "-b", "+bc", "+d");
    }

    @Test
    void windowsAndOldMacLineEndsCountAsLineEnds() {
        assertThat(ConfigDiff.unified("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n", 50)).containsExactly("@@ -2 +2 @@", "-b", "+B");
        assertThat(ConfigDiff.unified("a\r\nb\r\n", "a\nb\n", 50)).as("the same lines, other line ends").isEmpty();
        assertThat(ConfigDiff.unified("a\rb\rc\n", "a\rb\rd\n", 50)).containsExactly("@@ -3 +3 @@", "-c", "+d");
        assertThat(ConfigDiff.unified("a\r\nb\n", "a\rx\nb\n", 50)).containsExactly("@@ -1,0 +2 @@", "+x");
    }

    @Test
    void textBeyondLatin1() {
        assertThat(ConfigDiff.unified("# café\nserver é1\n", "# café\nserver é2\n", 50))
                .containsExactly("@@ -2 +2 @@", "-server é1", "+server é2");
    }
}
