package io.lbsync.scale;

import static io.lbsync.scale.ScaleHarness.marker;
import static io.lbsync.scale.ScaleHarness.ms;
import static io.lbsync.scale.ScaleHarness.percentile;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.install.ConfigTarget;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.render.TemplateModelBuilder;
import io.lbsync.render.TemplateParams;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmarks (not part of mvn verify): {@code mvn -o -Pbench verify}. Everything runs in this JVM: the Consul
 * simulator, lbsync (LbsyncApp) and the measuring code. Prints "BENCH ..." lines; docs/benchmarks.md records them.
 * Quiescence is the shipped default (lbsync.wait.min=250ms, max=2s), validation the shipped haproxy -c.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleBench {
    @TempDir
    Path dir;

    private static Map<String, String> shippedQuiescence(ConsulTestCluster cluster) {
        Map<String, String> p = LbsyncTestProperties.forCluster(cluster);
        p.remove("lbsync.wait.min");
        p.remove("lbsync.wait.max");
        p.put("lbsync.consul.wait", "5m");
        return p;
    }

    @Test
    @Order(1)
    void changeToFileLatency() throws Exception {
        for (int services : new int[] {1, 200, 2_000}) {
            latencyAt(services, 40);
        }
    }

    private void latencyAt(int services, int changes) throws Exception {
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            ScaleConsul consul = ScaleConsul.of(cluster);
            consul.populate(services, 2);
            Map<String, String> p = shippedQuiescence(cluster);
            Path output = Path.of(p.get("lbsync.haproxy.output"));
            try (ScaleHarness.ConnectionSampler sampler = new ScaleHarness.ConnectionSampler(consul, 5);
                 LbsyncApp app = LbsyncApp.start(p)) {
                String last = marker(services - 1, 1, ScaleHarness.port(services - 1, 1));
                assertThat(ScaleHarness.waitForFile(output, t -> t.contains(last), System.nanoTime() + 60_000_000_000L))
                        .isPositive();
                List<Long> lat = new ArrayList<>();
                for (int k = 0; k < changes; k++) {
                    int s = (k / 2 * 7919) % services;
                    boolean fail = k % 2 == 0;
                    String m = marker(s, 0, ScaleHarness.port(s, 0));
                    long t0 = System.nanoTime();
                    consul.setCheck(s, 0, fail ? "critical" : "passing");
                    long seen = ScaleHarness.waitForFile(output, t -> t.contains(m) != fail, t0 + 30_000_000_000L);
                    assertThat(seen).as("change %d reached the file", k).isPositive();
                    lat.add(seen - t0);
                }
                System.out.printf("BENCH latency services=%d instances=%d changes=%d p50=%d ms p95=%d ms p99=%d ms max=%d ms "
                                + "(check flips, one service each)%n", services, services * 2, changes, ms(percentile(lat, 50)),
                        ms(percentile(lat, 95)), ms(percentile(lat, 99)), ms(percentile(lat, 100)));
                System.out.printf("BENCH connections services=%d max_open_tcp=%d max_in_flight=%d median_open_tcp=%d%n",
                        services, sampler.maxTcp(), sampler.maxInFlight(), sampler.medianTcp());
                if (services == 2_000) {
                    System.gc();
                    Thread.sleep(500);
                    System.gc();
                    Runtime rt = Runtime.getRuntime();
                    long used = rt.totalMemory() - rt.freeMemory();
                    // no RSS here: this JVM's heap is fixed and touched at start (pom.xml); SideBySideBench measures
                    // the RSS of an lbsync process of its own
                    System.out.printf("BENCH memory services=2000 instances=4000 heap_used_after_gc=%d MiB (in-process: one JVM "
                            + "holds lbsync, the Consul simulator and the test)%n", used >> 20);
                }
            }
        }
    }

    /**
     * 50,000 instances over 2,000 services, built as a snapshot in memory (registering 50,000 instances in the
     * simulator takes minutes: its registrations are not built for that size) and rendered by the running app's
     * haproxy target (template model + FreeMarker, the same call the route makes; no validation, no install).
     */
    private static final String RENDER_URI = "freemarker:haproxy/haproxy.cfg.ftl?configuration=#lbsyncFreemarker"
            + "&allowTemplateFromHeader=true";

    @Test
    @Order(2)
    void renderFiftyThousandInstances() throws Exception {
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            ScaleConsul.of(cluster).populate(1, 1);
            Map<String, String> p = shippedQuiescence(cluster);
            Path output = Path.of(p.get("lbsync.haproxy.output"));
            try (LbsyncApp app = LbsyncApp.start(p)) {
                String first = marker(0, 0, ScaleHarness.port(0, 0));
                assertThat(ScaleHarness.waitForFile(output, t -> t.contains(first), System.nanoTime() + 60_000_000_000L))
                        .isPositive();
                Map<String, ServiceInstances> services = new HashMap<>();
                for (int s = 0; s < 2_000; s++) {
                    List<ServiceInstance> list = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        list.add(ServiceInstance.of(ScaleHarness.serviceName(s), ScaleHarness.instanceId(s, i), "node-" + (i % 50),
                                "10.0." + (i % 50) + ".1", "10.1." + (s % 250) + "." + (i + 1), 8000 + i,
                                List.of("lbsync.host=" + ScaleHarness.serviceName(s) + ".test"), Map.of(), HealthStatus.PASSING));
                    }
                    services.put(ScaleHarness.serviceName(s), new ServiceInstances(ScaleHarness.serviceName(s), 1, list));
                }
                ConsulState live = app.camel().getRegistry().lookupByNameAndType("consulState", ConsulStateStore.class).current();
                ConsulState state = new ConsulState(CatalogSnapshot.of(1, services), live.kv());
                ConfigTarget haproxy = app.target("haproxy");
                TemplateParams params = new TemplateParams("haproxy", k -> app.camel().getPropertiesComponent().resolveProperty(k));
                List<Long> whole = new ArrayList<>();
                List<Long> afterChange = new ArrayList<>();
                int bytes = 0;
                try (ProducerTemplate producer = app.camel().createProducerTemplate()) {
                    for (int i = 0; i < 7; i++) {
                        // the whole catalog: a model built from nothing (a fresh builder), then the freemarker: endpoint
                        long r0 = System.nanoTime();
                        Map<String, Object> model = new TemplateModelBuilder().build(state, params);
                        bytes = producer.requestBodyAndHeader(RENDER_URI, null, "CamelFreemarkerDataModel", model, String.class).length();
                        whole.add(System.nanoTime() - r0);
                    }
                    for (int i = 0; i < 7; i++) {
                        // what a change costs the install route: one service changed, its target's model and render
                        String changed = ScaleHarness.serviceName(i);
                        ServiceInstances before = services.get(changed);
                        List<ServiceInstance> moved = new ArrayList<>(before.instances());
                        ServiceInstance first0 = moved.get(0);
                        moved.set(0, ServiceInstance.of(first0.service(), first0.id(), first0.node(), first0.nodeAddress(), first0.address(),
                                first0.port() + 1, first0.tags(), first0.meta(), first0.status()));
                        services.put(changed, new ServiceInstances(changed, 2 + i, moved));
                        ConsulState next = new ConsulState(CatalogSnapshot.of(2 + i, services), live.kv());
                        long r0 = System.nanoTime();
                        Map<String, Object> model = haproxy.templateModel(haproxy.start(next));
                        producer.requestBodyAndHeader(RENDER_URI, null, "CamelFreemarkerDataModel", model, String.class);
                        afterChange.add(System.nanoTime() - r0);
                    }
                }
                List<Long> warm = whole.subList(2, whole.size());
                List<Long> warmChange = afterChange.subList(2, afterChange.size());
                System.out.printf("BENCH render services=2000 instances=%d haproxy.cfg=%d KiB render_median=%d ms render_max=%d ms "
                                + "first=%d ms (whole catalog: 5 renders after 2 warm-up; template model + FreeMarker, no validation)%n",
                        state.catalog().instanceCount(), bytes >> 10, ms(percentile(warm, 50)), ms(percentile(warm, 100)),
                        ms(whole.get(0)));
                System.out.printf("BENCH render-after-one-change services=2000 instances=%d median=%d ms max=%d ms (the target's "
                                + "model reuses the 1,999 unchanged services' entries; 5 renders after 2 warm-up)%n",
                        state.catalog().instanceCount(), ms(percentile(warmChange, 50)), ms(percentile(warmChange, 100)));
            }
        }
    }

    @Test
    @Order(3)
    void reloadsDuringABurst() throws Exception {
        try (ConsulTestCluster cluster = ConsulTestCluster.start("node-1")) {
            ScaleConsul consul = ScaleConsul.of(cluster);
            consul.populate(200, 2);
            Path counter = dir.resolve("reloads.txt");
            Path script = dir.resolve("reload.sh");
            Files.writeString(script, "#!/bin/sh\necho reload >> " + counter + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Map<String, String> p = shippedQuiescence(cluster);
            p.put("lbsync.haproxy.reload-command", script.toString());
            Path output = Path.of(p.get("lbsync.haproxy.output"));
            try (LbsyncApp app = LbsyncApp.start(p)) {
                String last = marker(199, 1, ScaleHarness.port(199, 1));
                assertThat(ScaleHarness.waitForFile(output, t -> t.contains(last), System.nanoTime() + 60_000_000_000L))
                        .isPositive();
                Thread.sleep(3_000);
                long before = lines(counter);
                long t0 = System.nanoTime();
                for (int k = 0; k < 500; k++) {
                    int s = k % 200;
                    consul.setCheck(s, 0, (k / 200) % 2 == 0 ? "critical" : "passing");
                    long due = t0 + (k + 1) * 4_000_000L; // 500 changes over 2 s
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                long burst = System.nanoTime() - t0;
                Thread.sleep(5_000);
                long reloads = lines(counter) - before;
                System.out.printf("BENCH burst changes=500 over=%d ms services=200 reloads=%d (shipped wait.min=250ms "
                        + "wait.max=2s; counted by a reload-command script, 5 s settle after the burst)%n", ms(burst), reloads);
            }
        }
    }

    private static long lines(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }
}
