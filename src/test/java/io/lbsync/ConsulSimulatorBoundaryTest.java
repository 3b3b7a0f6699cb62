package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Consul simulator is a test and demo tool (docs/consul-simulator.md): only the demo uses it, and only
 * {@link LbsyncMain} (--demo) reaches the demo. That is what lets the Karaf bundle leave both packages out.
 * Reads the compiled product classes: a class name in the constant pool is a reference, whether from an import,
 * a fully qualified name or a string for reflection; comments do not count.
 */
class ConsulSimulatorBoundaryTest {
    private static final String SIM = "io/lbsync/consulsim/";
    private static final String DEMO = "io/lbsync/demo/";

    @Test
    void onlyTheDemoUsesTheSimulator() throws Exception {
        assertThat(productClasses()).as("product classes").hasSizeGreaterThan(100);
        assertThat(productClasses().stream().filter(c -> !c.startsWith(SIM) && !c.startsWith(DEMO))
                .filter(c -> references(c, "io/lbsync/consulsim", "io.lbsync.consulsim")))
                .as("classes outside io.lbsync.consulsim and io.lbsync.demo that use the simulator").isEmpty();
    }

    @Test
    void onlyTheMainClassStartsTheDemo() throws Exception {
        assertThat(productClasses().stream().filter(c -> !c.startsWith(DEMO))
                .filter(c -> references(c, "io/lbsync/demo", "io.lbsync.demo")))
                .as("classes outside io.lbsync.demo that use it").containsExactly("io/lbsync/LbsyncMain.class");
    }

    @Test
    void theDemoIsWhereTheSimulatorIsUsed() throws Exception {
        // guards the scan itself: it must see the one reference that is allowed
        assertThat(productClasses()).contains("io/lbsync/demo/DemoScenario.class");
        assertThat(references("io/lbsync/demo/DemoScenario.class", SIM)).isTrue();
    }

    /** Class files of src/main (target/classes), as paths relative to it: io/lbsync/x/Y.class. */
    private static List<String> productClasses() throws IOException, URISyntaxException {
        Path root = root();
        try (Stream<Path> files = Files.walk(root.resolve("io/lbsync"))) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    private static boolean references(String classFile, String... names) {
        try {
            String text = new String(Files.readAllBytes(root().resolve(classFile)), StandardCharsets.ISO_8859_1);
            return Stream.of(names).anyMatch(text::contains);
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(classFile + ": " + e.getMessage(), e);
        }
    }

    private static Path root() throws URISyntaxException {
        Path root = Path.of(LbsyncMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(root).as("product classes directory").isDirectory();
        return root;
    }
}
