package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as an operator runs it: its own process, configured by LBSYNC_* environment variables. */
class JarIT {
    private static final Path JAR = Path.of("target/lbsync.jar").toAbsolutePath();
    private static final Path ROUTES = Path.of("routes").toAbsolutePath();

    private record Run(int exit, String output) {
    }

    private static Run run(Path cwd, Map<String, String> env, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = cwd.resolve("lbsync.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lbsync did not exit:\n" + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log));
    }

    @Test
    void demoOnceWritesAValidHaproxyConfig(@TempDir Path cwd) throws Exception {
        Path output = cwd.resolve("out/haproxy.cfg");
        Run run = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(), "LBSYNC_HAPROXY_OUTPUT", output.toString()),
                "--demo", "--once");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(Files.readString(output)).contains("backend web", "backend api", "server web-1 127.0.0.1:9101");
        Process check = new ProcessBuilder("haproxy", "-c", "-q", "-f", output.toString()).redirectErrorStream(true).start();
        assertThat(check.waitFor()).isZero();
    }

    @Test
    void versionPrintsTheJarsVersion(@TempDir Path cwd) throws Exception {
        Run run = run(cwd, Map.of(), "--version");
        assertThat(run.exit()).isZero();
        assertThat(run.output().strip()).matches("lbsync \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }

    @Test
    void aBadPropertyStopsStartupWithItsName(@TempDir Path cwd) throws Exception {
        Run run = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(), "LBSYNC_CONSUL_WAIT", "forever"), "--once");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("lbsync.consul.wait").contains("forever");
    }

    @Test
    void theTokenNeverAppearsInTheLog(@TempDir Path cwd) throws Exception {
        Run run = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(), "LBSYNC_CONSUL_TOKEN", "tok-5e3c7a1d",
                "LBSYNC_HAPROXY_OUTPUT", cwd.resolve("h.cfg").toString()), "--demo", "--once");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).doesNotContain("tok-5e3c7a1d");
    }

    @Test
    void theDemoWithoutHaproxyInstalledSkipsValidationWithAWarning(@TempDir Path cwd) throws Exception {
        Path output = cwd.resolve("out/haproxy.cfg");
        Run run = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(), "LBSYNC_HAPROXY_OUTPUT", output.toString(),
                "PATH", cwd.toString()), "--demo", "--once");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("event=validation-skipped target=haproxy", "haproxy is not installed");
        assertThat(output).exists();
    }

    @Test
    void withoutTheDemoAMissingValidatorIsAStartupError(@TempDir Path cwd) throws Exception {
        Run run = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(), "PATH", cwd.toString(),
                "LBSYNC_HAPROXY_OUTPUT", cwd.resolve("h.cfg").toString()), "--once");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("lbsync.haproxy.validate-command", "'haproxy' not found");
    }

    @Test
    void anOutputDirectoryThatDoesNotExistOrAWorldWritableModeIsAStartupError(@TempDir Path cwd) throws Exception {
        Run missing = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(),
                "LBSYNC_HAPROXY_OUTPUT", cwd.resolve("no-such-dir/haproxy.cfg").toString()), "--once");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.output()).contains("lbsync: cannot start: lbsync.haproxy.output: directory", "does not exist");

        Run writable = run(cwd, Map.of("LBSYNC_ROUTES", ROUTES.toString(), "LBSYNC_HAPROXY_OUTPUT", cwd.resolve("h.cfg").toString(),
                "LBSYNC_HAPROXY_FILE_MODE", "0666"), "--once");
        assertThat(writable.exit()).isEqualTo(1);
        assertThat(writable.output()).contains("lbsync.haproxy.file-mode", "world-writable");
    }
}
