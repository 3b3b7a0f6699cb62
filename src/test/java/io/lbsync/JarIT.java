package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncTestProperties;
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
    void aHealthyStartAChangeAndAStopLogNoWarningOrError(@TempDir Path cwd) throws Exception {
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
            Path output = cwd.resolve("haproxy.cfg");
            String service = ConsulTestCluster.unique("quiet");
            StringBuilder config = new StringBuilder();
            p.put("lbsync.haproxy.output", output.toString());
            p.put("lbsync.routes", ROUTES.toString());
            p.put("lbsync.leader.key-prefix", ConsulTestCluster.unique("lbsync-test/leader"));
            p.forEach((k, v) -> config.append(k).append('=').append(v).append('\n'));
            Files.writeString(cwd.resolve("operator.properties"), config);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = cwd.resolve("lbsync.log");
            Process lbsync = new ProcessBuilder(java, "-jar", JAR.toString(), "--config=" + cwd.resolve("operator.properties"))
                    .directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"" + service + "-1\",\"Name\":\"" + service
                        + "\",\"Address\":\"127.0.0.1\",\"Port\":9401}").requireOk();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> Files.isRegularFile(output) && Files.readString(output).contains("127.0.0.1:9401"));
                // past the leader election's first rounds: camel-master warned 5 s after taking leadership
                Thread.sleep(7_000);
            } finally {
                lbsync.destroy(); // SIGTERM, as systemd stops it
                if (!lbsync.waitFor(60, TimeUnit.SECONDS)) {
                    lbsync.destroyForcibly();
                }
            }
            String text = Files.readString(log);
            assertThat(text).contains("event=installed", "event=http-server url=http://127.0.0.1:");
            assertThat(text.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")))
                    .as("WARN/ERROR lines of a healthy run").isEmpty();
        }
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
    void theDemoWithoutHaproxyInstalledSkipsValidationAndSaysSo(@TempDir Path cwd) throws Exception {
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
