package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.cleanup.DuplicateCleanup;
import io.lbsync.cleanup.RegistrationGuard;
import io.lbsync.guard.ImplausibleChangeGuard;
import io.lbsync.install.ConfigTarget;
import io.lbsync.install.InstallPipeline;
import io.lbsync.install.InstallRun;
import io.lbsync.install.Targets;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.status.StatusReport;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped routes (routes/*.yaml) and the Java side must agree, or a renamed step silently changes what a route does
 * (a runtime-API update becoming a full reload, say). This reads the YAML and fails when a route uses a header or
 * property that {@link RouteNames} does not declare, a {@code ${body.x}} that {@link InstallRun} does not have, a bean
 * method its bean does not have, or a {@code #registryName} that {@link InstallPipeline} does not bind.
 */
class RouteNamesTest {
    /** The beans the routes call, by the name they are bound under ("{{target}}": every target's bean). */
    private static final Map<String, Class<?>> BEANS = Map.of("{{target}}", ConfigTarget.class, "consulState", ConsulStateStore.class,
            "changeGuard", ImplausibleChangeGuard.class, "targets", Targets.class, "cleanup", DuplicateCleanup.class,
            "registrationGuard", RegistrationGuard.class, "status", StatusReport.class);
    private static final Set<String> REGISTRY = Set.of(InstallPipeline.FREEMARKER, InstallPipeline.COMMAND_BINDING,
            InstallPipeline.COMMAND_EXECUTOR);
    private static final Pattern HEADERS = Pattern.compile("\\$\\{(?:header|headers|exchangeProperty)(?:\\.|\\[)([A-Za-z0-9_.-]+)");
    private static final Pattern SET = Pattern.compile("(?:set|remove)(?:Header|Property):\\s*\\n\\s*name:\\s*\"?([^\\s\"]+)");
    private static final Pattern BODY = Pattern.compile("\\$\\{body\\.([A-Za-z0-9_]+)");
    private static final Pattern BEAN_METHOD = Pattern.compile("ref:\\s*\"?([^\\s\"]+)\"?\\s*\\n\\s*method:\\s*\"?([^\\s\"]+)");
    private static final Pattern AGGREGATION = Pattern.compile(
            "aggregationStrategy:\\s*\"?([^\\s\"]+)\"?\\s*\\n\\s*aggregationStrategyMethodName:\\s*\"?([^\\s\"]+)");
    private static final Pattern REGISTRY_REF = Pattern.compile("=#([A-Za-z0-9_]+)");

    /** What one route file (or a snippet) uses. */
    record Uses(Set<String> names, Set<String> bodyProperties, List<String[]> beanMethods, Set<String> registryRefs) {
        static Uses in(String yaml) {
            Set<String> names = new TreeSet<>(find(HEADERS, yaml));
            names.addAll(find(SET, yaml));
            List<String[]> methods = new ArrayList<>();
            for (Pattern p : new Pattern[] {BEAN_METHOD, AGGREGATION}) {
                Matcher m = p.matcher(yaml);
                while (m.find()) {
                    methods.add(new String[] {m.group(1), m.group(2)});
                }
            }
            return new Uses(names, find(BODY, yaml), methods, find(REGISTRY_REF, yaml));
        }
    }

    private static Set<String> find(Pattern p, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String shippedRoutes() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                all.append(Files.readString(f)).append('\n');
            }
        }
        return all.toString();
    }

    /** Problems of {@code uses} against the Java side; empty when the routes and the code agree. */
    static List<String> problems(Uses uses) {
        List<String> problems = new ArrayList<>();
        uses.names().stream().filter(n -> !RouteNames.ALL.contains(n)).forEach(n -> problems.add("header/property " + n));
        uses.bodyProperties().stream().filter(p -> !hasGetter(InstallRun.class, p)).forEach(p -> problems.add("${body." + p + "}"));
        for (String[] bm : uses.beanMethods()) {
            Class<?> bean = BEANS.get(bm[0]);
            if (bean == null) {
                problems.add("bean " + bm[0]);
            } else if (Arrays.stream(bean.getMethods()).noneMatch(m -> m.getName().equals(bm[1]) && Modifier.isPublic(m.getModifiers()))) {
                problems.add("method " + bm[1] + " of bean " + bm[0] + " (" + bean.getSimpleName() + ")");
            }
        }
        uses.registryRefs().stream().filter(r -> !REGISTRY.contains(r)).forEach(r -> problems.add("#" + r));
        return problems;
    }

    private static boolean hasGetter(Class<?> type, String property) {
        String cap = Character.toUpperCase(property.charAt(0)) + property.substring(1);
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() == 0 && (m.getName().equals("get" + cap) || m.getName().equals("is" + cap))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theShippedRoutesUseOnlyWhatTheJavaSideDeclares() throws IOException {
        Uses uses = Uses.in(shippedRoutes());
        assertThat(uses.bodyProperties()).as("the routes' body properties were found at all").contains("held", "changed", "reloadVia");
        assertThat(uses.beanMethods()).as("bean steps were found").hasSizeGreaterThan(20);
        assertThat(uses.registryRefs()).containsExactlyInAnyOrderElementsOf(REGISTRY);
        assertThat(problems(uses)).as("used in routes/*.yaml but not declared on the Java side").isEmpty();
    }

    @Test
    void aMisspeltNameIsFound() {
        String yaml = """
                - filter:
                    simple: "${header.lbsyncHeldd} && ${body.helld}"
                - setProperty:
                    name: lbsyncTargett
                    constant: x
                - bean:
                    ref: "{{target}}"
                    method: aplyRuntime
                - to: "exec:reload-command?binding=#lbsyncCommandBindin"
                """;
        assertThat(problems(Uses.in(yaml))).containsExactlyInAnyOrder("header/property lbsyncHeldd", "header/property lbsyncTargett",
                "${body.helld}", "method aplyRuntime of bean {{target}} (ConfigTarget)", "#lbsyncCommandBindin");
    }
}
