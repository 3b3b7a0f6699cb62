package io.lbsync.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.install.TargetStatus;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third target defined in properties only — kind "file", its own template (a Prometheus file_sd list), output,
 * validate and reload commands — renders, validates, installs and reloads through the shipped route template, next
 * to HAProxy. No Java and no YAML for it; a wrong kind is refused at start-up, naming the property.
 */
class FileTargetIT {
    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private final String service = ConsulTestCluster.unique("sd");

    @BeforeEach
    void setUp() {
        cluster = ConsulTestCluster.start("node-1");
    }

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String id, int port) {
        cluster.http().registerService(cluster.nodes().get(0), "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":"
                + "\"127.0.0.1\",\"Port\":" + port + "}").requireOk();
    }

    private Map<String, String> properties(Path template, Path output, Path commands) throws Exception {
        Path recorder = dir.resolve("record.sh"); // writes its arguments, then runs the rest ("$2" ...) as the command
        Files.writeString(recorder, "#!/bin/sh\nlog=\"$1\"; shift; echo \"$*\" >> \"$log\"; exec \"$@\"\n");
        assertThat(recorder.toFile().setExecutable(true)).isTrue();
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.put("lbsync.consul.services", service);
        p.put("lbsync.haproxy.output", dir.resolve("haproxy.cfg").toString());
        p.put("lbsync.targets", "haproxy,nginx,sd");
        p.put("lbsync.sd.kind", "file");
        p.put("lbsync.sd.template", template.toString());
        p.put("lbsync.sd.output", output.toString());
        // validate: the staged file must name its targets; reload: a command that runs
        p.put("lbsync.sd.validate-command", recorder + " " + commands + " grep -q targets {file}");
        p.put("lbsync.sd.reload-command", recorder + " " + commands + " true");
        return p;
    }

    @Test
    void aFileTargetFromPropertiesOnlyGoesThroughTheShippedRoute() throws Exception {
        Path template = Files.writeString(dir.resolve("file_sd.json.ftl"), """
                [
                <#list services as service>
                  {"labels": {"service": "${service.name}"}, "targets": [<#list service.servers as server>"${server.endpoint}"<#sep>, </#sep></#list>]}<#sep>,</#sep>
                </#list>
                ]
                """);
        Path output = dir.resolve("file_sd.json");
        Path commands = dir.resolve("commands.log");
        register(service + "-1", 19701);
        try (LbsyncApp app = LbsyncApp.start(properties(template, output, commands))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(output)
                    && Files.readString(output).contains("\"127.0.0.1:19701\"")
                    && Files.exists(commands) && Files.readString(commands).contains("true"));
            register(service + "-2", 19702);
            // the file is swapped in just before its reload runs: wait for both
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(output).contains("\"127.0.0.1:19702\"")
                    && Files.readAllLines(commands).stream().filter(l -> l.equals("true")).count() >= 2);
            List<String> log = Files.readAllLines(commands);
            assertThat(log).anyMatch(l -> l.startsWith("grep -q targets ") && l.contains(".file_sd.json.lbsync-staged"));
            assertThat(log.stream().filter(l -> l.equals("true")).count()).as("reloads").isGreaterThanOrEqualTo(2);
            assertThat(Files.exists(dir.resolve("file_sd.json.bak"))).as("previous file kept").isTrue();
            assertThat(app.target("sd").status().result()).isEqualTo(TargetStatus.Result.INSTALLED);
            await("haproxy alongside").atMost(Duration.ofSeconds(20))
                    .until(() -> Files.readString(dir.resolve("haproxy.cfg")).contains("127.0.0.1:19702"));
            assertThat(app.httpGet("/status").requireOk().json().at("/targets/sd/lastRun/result").asText()).isEqualTo("INSTALLED");
        }
    }

    @Test
    void aTargetOfUnknownKindIsRefusedNamingTheProperty() throws Exception {
        Map<String, String> p = properties(dir.resolve("none.ftl"), dir.resolve("x"), dir.resolve("c.log"));
        p.put("lbsync.sd.kind", "varnish");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LbsyncApp.start(p)))
                .hasStackTraceContaining("lbsync.sd.kind: 'varnish' is not one (haproxy, nginx or file)");
    }
}
