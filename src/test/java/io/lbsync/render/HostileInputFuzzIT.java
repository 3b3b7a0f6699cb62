package io.lbsync.render;

import io.lbsync.model.WarningPolicy;
import io.lbsync.model.CatalogSnapshot;
import io.lbsync.model.ConsulState;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import io.lbsync.render.HostileInputs.KvSite;
import io.lbsync.render.HostileInputs.Registration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.opentest4j.TestAbortedException;

/**
 * Fuzzes lbsync's handling of untrusted Consul input with the real checkers: each try builds a Consul state of
 * {@value #REGISTRATIONS} hostile registrations and {@value #SITES} hostile K/V site values (see {@link HostileInputs}),
 * plus a few valid "canary" entries, renders it through the real {@link TemplateModelBuilder} and
 * {@link TemplateRenderer} with the three bundled templates, and requires of each config that
 * <ul>
 *   <li>the real checker accepts it ({@code haproxy -c}, {@code nginx -t}: what lbsync's validate step runs);</li>
 *   <li>no directive was injected: every line is one the template writes, with safe values in its slots
 *       ({@link ConfigGrammar}), no marker of an injection payload stands as a word of its own, and no line holds a
 *       control or non-ASCII character;</li>
 *   <li>the valid canaries render (hostile neighbours do not take the rest of the config down);</li>
 *   <li>every rejection is logged once, on one line, with log-safe values.</li>
 * </ul>
 *
 * <p>Defaults: 250 configs per template × 40 cases = 10,000 cases, seed {@value #DEFAULT_SEED}, the same cases on every
 * run. Options (Maven passes -D properties to the test JVM):
 * <pre>
 *   mvn -o verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=HostileInputFuzzIT
 *       -Dlbsync.fuzz.seed=12345     other cases (a failure report prints the seed: set it here to reproduce the run)
 *       -Dlbsync.fuzz.configs=1000   more tries (each = one config per template)
 *       -Dlbsync.fuzz.keep-going=true  check every config and report all failures at the end, instead of stopping
 *                                    (and shrinking) at the first
 * </pre>
 * A failing config, its checker output and the cases behind it are written to target/hostile-input-fuzz/.
 * The checkers run in a private network namespace ({@code unshare -rn}, see {@link ConfigCheckers}); without it the
 * test is skipped.
 */
class HostileInputFuzzIT {
    static final String DEFAULT_SEED = "20251124";
    static final int DEFAULT_CONFIGS = 250;
    static final int REGISTRATIONS = 32;
    static final int SITES = 8;
    /** -Dlbsync.fuzz.keep-going=true: record every failing config and fail once at the end (no shrinking). */
    static final boolean KEEP_GOING = Boolean.getBoolean("lbsync.fuzz.keep-going");

    private static final String HAPROXY_TEMPLATE = "classpath:templates/haproxy.cfg.ftl";
    private static final String DNS_TEMPLATE = "classpath:templates/haproxy-dns.cfg.ftl";
    private static final String NGINX_TEMPLATE = "classpath:templates/nginx.conf.ftl";

    private static final RejectedValues REJECTED = new RejectedValues();
    private static final TemplateModelBuilder BUILDER = new TemplateModelBuilder(REJECTED, WarningPolicy.SERVE);
    private static final Map<String, TemplateRenderer> RENDERERS = new HashMap<>();
    private static final Map<String, Set<String>> FIXED_LINES = new HashMap<>();

    private static final AtomicLong registrations = new AtomicLong();
    private static final AtomicLong sites = new AtomicLong();
    private static final Map<String, AtomicLong> checked = new LinkedHashMap<>();
    private static final AtomicLong failures = new AtomicLong();
    /** what got through: server lines (default HAProxy template), host names routed, nginx sites; canaries not counted */
    private static final AtomicLong renderedServers = new AtomicLong();
    private static final AtomicLong renderedHosts = new AtomicLong();
    private static final AtomicLong renderedSites = new AtomicLong();
    private static final List<String> logLines = new CopyOnWriteArrayList<>();
    private static Path work;
    private static Path failureDir;
    private static LogCounter logCounter;
    private static long started;
    private static String seed;

    @BeforeContainer
    static void setUp() throws IOException {
        if (!ConfigCheckers.isolationAvailable()) {
            throw new TestAbortedException("HostileInputFuzzIT needs 'unshare -rn' (user and network namespaces) to run the checkers");
        }
        for (String tool : List.of("haproxy", "nginx")) {
            if (Stream.of(System.getenv("PATH").split(":")).noneMatch(d -> Files.isExecutable(Path.of(d, tool)))) {
                throw new TestAbortedException("HostileInputFuzzIT needs " + tool + " on the PATH");
            }
        }
        work = Files.createTempDirectory("lbsync-fuzz");
        failureDir = Path.of("target", "hostile-input-fuzz");
        Files.createDirectories(failureDir);
        for (String t : List.of(HAPROXY_TEMPLATE, DNS_TEMPLATE, NGINX_TEMPLATE)) {
            RENDERERS.put(t, new TemplateRenderer(t));
            checked.put(t, new AtomicLong());
        }
        // the lines each template writes whatever the data
        ConsulState empty = new ConsulState(CatalogSnapshot.of(1, Map.of()), KvSnapshot.empty("lbsync/"));
        for (String t : List.of(HAPROXY_TEMPLATE, DNS_TEMPLATE)) {
            FIXED_LINES.put(t, Set.copyOf(HostileInputs.lines(RENDERERS.get(t).render(BUILDER.build(empty, haproxyParams())))));
        }
        FIXED_LINES.put(NGINX_TEMPLATE, Set.copyOf(HostileInputs.lines(RENDERERS.get(NGINX_TEMPLATE).render(BUILDER.build(empty, nginxParams())))));
        logCounter = LogCounter.install();
        started = System.nanoTime();
    }

    @AfterContainer
    static void summary() throws IOException {
        if (logCounter != null) {
            logCounter.close();
        }
        long cases = registrations.get() + sites.get();
        StringBuilder byField = new StringBuilder();
        REJECTED.counts().forEach((f, n) -> byField.append(byField.length() == 0 ? "" : ", ").append(f).append('=').append(n));
        String line = String.format("HostileInputFuzzIT summary: seed=%s cases=%d (registrations=%d, kv-sites=%d) rejected=%d {%s}"
                        + " log-lines=%d rendered: servers=%d hosts=%d sites=%d configs-checked: haproxy=%d haproxy-dns=%d nginx=%d"
                        + " failures=%d time=%.1fs",
                seed, cases, registrations.get(), sites.get(), REJECTED.total(), byField, logLines.size(),
                renderedServers.get(), renderedHosts.get(), renderedSites.get(),
                checked.getOrDefault(HAPROXY_TEMPLATE, new AtomicLong()).get(), checked.getOrDefault(DNS_TEMPLATE, new AtomicLong()).get(),
                checked.getOrDefault(NGINX_TEMPLATE, new AtomicLong()).get(), failures.get(), (System.nanoTime() - started) / 1e9);
        System.out.println(line);
        if (failureDir != null) {
            Files.writeString(failureDir.resolve("summary.txt"), line + "\n");
        }
        if (work != null) {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (KEEP_GOING && failures.get() > 0) {
            throw new AssertionError(failures.get() + " failing config(s), see " + failureDir.toAbsolutePath());
        }
    }

    /** One batch of hostile input: rendered into one config per template. */
    record Batch(List<Registration> registrations, List<KvSite> sites) {
    }

    @Provide
    Arbitrary<Batch> batches() {
        return Combinators.combine(HostileInputs.registration().list().ofSize(REGISTRATIONS), HostileInputs.site().list().ofSize(SITES))
                .as(Batch::new);
    }

    @Property(tries = DEFAULT_CONFIGS, seed = DEFAULT_SEED, shrinking = ShrinkingMode.BOUNDED)
    @AddLifecycleHook(FuzzOptions.class)
    void hostileConsulInputNeverBreaksOrInjectsIntoAConfig(@ForAll("batches") Batch batch) throws IOException {
        registrations.addAndGet(batch.registrations().size());
        sites.addAndGet(batch.sites().size());
        ConsulState state = state(batch);
        List<String> problems = new ArrayList<>();
        long rejectedBefore = REJECTED.total();
        int loggedBefore = logLines.size();
        Map<String, String> configs = new LinkedHashMap<>();
        for (String template : List.of(HAPROXY_TEMPLATE, DNS_TEMPLATE, NGINX_TEMPLATE)) {
            boolean nginx = template.equals(NGINX_TEMPLATE);
            String config;
            try {
                config = RENDERERS.get(template).render(BUILDER.build(state, nginx ? nginxParams() : haproxyParams()));
            } catch (RuntimeException e) {
                problems.add(template + ": render failed: " + e);
                continue;
            }
            configs.put(template, config);
            count(template, config);
            Path file = ConfigCheckers.write(work.resolve(nginx ? "nginx.conf" : "haproxy.cfg"), config);
            ConfigCheckers.Result result = nginx ? ConfigCheckers.nginx(file, work) : ConfigCheckers.haproxy(file);
            checked.get(template).incrementAndGet();
            if (!result.ok()) {
                problems.add(template + ": checker exit " + result.exitCode() + ":\n" + result.output().strip());
            }
            List<Pattern> grammar = template.equals(HAPROXY_TEMPLATE) ? ConfigGrammar.HAPROXY
                    : template.equals(DNS_TEMPLATE) ? ConfigGrammar.HAPROXY_DNS : ConfigGrammar.NGINX;
            ConfigGrammar.unexpectedLines(config, FIXED_LINES.get(template), grammar)
                    .forEach(l -> problems.add(template + ": line the template does not write: " + l));
            ConfigGrammar.injectedMarker(config).forEach(l -> problems.add(template + ": injected directive: " + l));
            ConfigGrammar.nonPrintable(config).forEach(l -> problems.add(template + ": unsafe character: " + l));
            canaries(template, config).forEach(c -> problems.add(template + ": valid entry missing: " + c));
        }
        logCounter.drainProblems().forEach(problems::add);
        if (REJECTED.total() - rejectedBefore != logLines.size() - loggedBefore) {
            problems.add("rejections counted: " + (REJECTED.total() - rejectedBefore) + ", log lines: " + (logLines.size() - loggedBefore));
        }
        if (!problems.isEmpty()) {
            failures.incrementAndGet();
            Path dir = failureDir.resolve("failure-" + failures.get());
            Files.createDirectories(dir);
            configs.forEach((t, c) -> ConfigCheckers.write(dir.resolve(t.substring(t.lastIndexOf('/') + 1).replace(".ftl", "")), c));
            ConfigCheckers.write(dir.resolve("problems.txt"), String.join("\n", problems) + "\n");
            ConfigCheckers.write(dir.resolve("cases.txt"), describe(batch));
            String message = problems.size() + " problem(s), details in " + dir.toAbsolutePath() + ":\n"
                    + String.join("\n", problems.subList(0, Math.min(problems.size(), 20)));
            if (KEEP_GOING) {
                System.out.println("HostileInputFuzzIT failure " + failures.get() + ": " + message);
                return;
            }
            throw new AssertionError(message);
        }
    }

    // ---- the Consul state -------------------------------------------------------------------------------------------

    /** Hostile registrations and sites, plus valid canaries that must render whatever their neighbours hold. */
    static ConsulState state(Batch batch) {
        Map<String, List<ServiceInstance>> byService = new LinkedHashMap<>();
        for (Registration r : batch.registrations()) {
            byService.computeIfAbsent(r.service(), s -> new ArrayList<>()).add(r.instance());
        }
        byService.computeIfAbsent("canary", s -> new ArrayList<>()).add(ServiceInstance.of("canary", "canary-1", "node-canary",
                "192.0.2.1", "192.0.2.10", 8080, List.of(TemplateModelBuilder.HOST_TAG + "canary.example.com"), Map.of(), HealthStatus.PASSING));
        byService.computeIfAbsent("canary-prod", s -> new ArrayList<>()).add(ServiceInstance.of("canary-prod", "canary-prod-1",
                "node-canary", "192.0.2.1", "192.0.2.11", 8080, List.of("env=prod", TemplateModelBuilder.HOST_TAG + "canary.example.com"),
                Map.of(), HealthStatus.PASSING));
        Map<String, ServiceInstances> services = new HashMap<>();
        byService.forEach((name, instances) -> services.put(name, new ServiceInstances(name, 2, instances)));
        Map<String, String> kv = new HashMap<>();
        for (KvSite site : batch.sites()) {
            kv.put(SiteParser.SITES + site.key(), site.value());
        }
        kv.put(SiteParser.SITES + "canary", "{\"server_names\": [\"canary.example.com\"], \"listen\": 18099, \"routes\": {\"/\": \"canary\"}}");
        return new ConsulState(CatalogSnapshot.of(2, services), KvSnapshot.of(2, "lbsync/", kv));
    }

    static void count(String template, String config) {
        List<String> lines = HostileInputs.lines(config);
        if (template.equals(HAPROXY_TEMPLATE)) {
            renderedServers.addAndGet(lines.stream().filter(l -> l.startsWith("    server ") && !l.contains(" canary-")).count());
            renderedHosts.addAndGet(lines.stream().filter(l -> l.startsWith("    acl host_"))
                    .mapToLong(l -> l.replaceFirst("^.* -i( -m end)?", "").split(" ").length - 1).sum() - 2);
        } else if (template.equals(NGINX_TEMPLATE)) {
            renderedSites.addAndGet(lines.stream().filter(l -> l.equals("    server {")).count() - 1);
        }
    }

    static List<String> canaries(String template, String config) {
        List<String> expected = switch (template) {
            case HAPROXY_TEMPLATE -> List.of("    server canary-1 192.0.2.10:8080 weight 1", "    server canary-prod-1 192.0.2.11:8080 weight 1",
                    "    use_backend canary if host_canary", "    use_backend prod.canary-prod if host_prod.canary-prod");
            case DNS_TEMPLATE -> List.of("    server-template s 10 _canary._tcp.service.consul resolvers consul resolve-prefer ipv4"
                    + " resolve-opts allow-dup-ip init-addr none", "    use_backend canary if host_canary");
            default -> List.of("    upstream canary {", "        server 192.0.2.10:8080;", "        listen 127.0.0.1:18099;",
                    "            proxy_pass http://canary;");
        };
        Set<String> lines = new LinkedHashSet<>(HostileInputs.lines(config));
        return expected.stream().filter(e -> !lines.contains(e)).toList();
    }

    static TemplateParams haproxyParams() {
        Map<String, String> p = Map.of("lbsync.haproxy.param.bind", "127.0.0.1:18080", "lbsync.haproxy.param.bind.prod", "127.0.0.1:18081",
                "lbsync.haproxy.param.bind.staging", "127.0.0.1:18082", "lbsync.haproxy.param.dns", "127.0.0.1:18600");
        return new TemplateParams("haproxy", k -> Optional.ofNullable(p.get(k)));
    }

    static TemplateParams nginxParams() {
        Map<String, String> p = Map.of("lbsync.nginx.param.pid", work.resolve("nginx.pid").toString(),
                "lbsync.nginx.param.error_log", work.resolve("error.log").toString(), "lbsync.nginx.param.listen_address", "127.0.0.1");
        return new TemplateParams("nginx", k -> Optional.ofNullable(p.get(k)));
    }

    /** The cases of a batch as Java-ish literals, for a regression test. */
    static String describe(Batch batch) {
        StringBuilder b = new StringBuilder();
        batch.registrations().forEach(r -> b.append(r).append('\n'));
        batch.sites().forEach(s -> b.append(s).append('\n'));
        return b.toString().chars().mapToObj(c -> c == '\n' || (c >= 0x20 && c < 0x7f) ? String.valueOf((char) c)
                : String.format("\\u%04x", c)).reduce(new StringBuilder(), StringBuilder::append, StringBuilder::append).toString();
    }

    // ---- options ------------------------------------------------------------------------------------------------------

    /** -Dlbsync.fuzz.seed and -Dlbsync.fuzz.configs override the property's seed and number of tries. */
    public static final class FuzzOptions implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            seed = System.getProperty("lbsync.fuzz.seed", DEFAULT_SEED).trim();
            context.attributes().setSeed(seed);
            context.attributes().setTries(Integer.getInteger("lbsync.fuzz.configs", DEFAULT_CONFIGS));
            return property.execute();
        }
    }

    // ---- the log ------------------------------------------------------------------------------------------------------

    /**
     * Takes the render package's log lines off the console while the fuzzer runs (thousands of rejections), and checks
     * each: one line, no control characters, every value= / key= log-safe.
     */
    static final class LogCounter extends AbstractAppender implements AutoCloseable {
        private static final Pattern SAFE_VALUE = Pattern.compile("(?:value|key)=[A-Za-z0-9_./:-]*(?:\\.\\.\\.)?(?: |$)");
        /** the classes whose loggers report rejections */
        private static final List<Class<?>> SOURCES = List.of(TemplateModelBuilder.class, Environments.class, SiteParser.class);
        private final List<String> problems = new CopyOnWriteArrayList<>();

        private LogCounter() {
            super("hostile-input-fuzz", null, null, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY);
        }

        static LogCounter install() {
            LogCounter counter = new LogCounter();
            counter.start();
            for (Class<?> source : SOURCES) {
                Logger logger = (Logger) LogManager.getLogger(source);
                logger.addAppender(counter);
                logger.setAdditive(false);
            }
            return counter;
        }

        @Override
        public void append(LogEvent event) {
            String m = event.getMessage().getFormattedMessage();
            logLines.add(m);
            if (!m.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                problems.add("log line with an unsafe character: " + HostileInputs.json(m));
            }
            for (String part : m.split(" (?=(?:value|key)=)")) {
                if ((part.startsWith("value=") || part.startsWith("key=")) && !SAFE_VALUE.matcher(part + " ").lookingAt()) {
                    problems.add("log value not log-safe: " + HostileInputs.json(m));
                }
            }
        }

        List<String> drainProblems() {
            List<String> p = List.copyOf(problems);
            problems.clear();
            return p;
        }

        @Override
        public void close() {
            for (Class<?> source : SOURCES) {
                Logger logger = (Logger) LogManager.getLogger(source);
                logger.removeAppender(this);
                logger.setAdditive(true);
            }
            stop();
        }
    }
}
