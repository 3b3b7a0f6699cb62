package io.lbsync.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/lbsync.service passes systemd-analyze verify (installed by .ci/run). The verifier exits 0 even on
 * warnings, so a clean result is "nothing said about our unit"; a broken copy shows it does speak up.
 */
class SystemdUnitIT {
    private static final Path UNIT = Path.of("packaging/lbsync.service").toAbsolutePath();

    private record Result(int exit, String output) {
    }

    private static Result verify(Path unit) throws Exception {
        Process p = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void theShippedUnitVerifiesCleanly() throws Exception {
        Result r = verify(UNIT);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).as("no warnings about our unit").doesNotContain("lbsync.service");
        String unit = Files.readString(UNIT);
        assertThat(unit).contains("User=lbsync", "Restart=on-failure", "/etc/lbsync/application.properties", "/etc/lbsync/routes");
    }

    @Test
    void theVerifierCatchesAMistake(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("lbsync.service");
        Files.writeString(broken, Files.readString(UNIT).replace("Restart=on-failure", "Restart=sometimes"));
        Result r = verify(broken);
        assertThat(r.output()).contains("lbsync.service:").contains("restart specifier");
    }
}
