package io.lbsync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped routes (routes/*.yaml) and the Java steps talk through exchange headers and properties: every name a
 * route uses must be declared in {@link RouteNames}, so that renaming one side without the other fails here instead
 * of silently turning, say, a runtime-API update into a full reload.
 */
class RouteNamesTest {
    /** Standard HTTP headers the routes set on their answers: not part of the contract with the Java side. */
    private static final Set<String> HTTP_HEADERS = Set.of("Content-Type");
    private static final Pattern SIMPLE = Pattern.compile("\\$\\{(?:header|headers|exchangeProperty)(?:\\.|\\[)([A-Za-z0-9_.-]+)");
    private static final Pattern SET = Pattern.compile("set(?:Header|Property):\\s*\\n\\s*name:\\s*\"?([^\\s\"]+)");

    static Set<String> namesUsedIn(String yaml) {
        Set<String> names = new TreeSet<>();
        for (Pattern p : new Pattern[] {SIMPLE, SET}) {
            Matcher m = p.matcher(yaml);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private static Set<String> namesUsedByTheShippedRoutes() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                names.addAll(namesUsedIn(Files.readString(f)));
            }
        }
        return names;
    }

    @Test
    void everyHeaderAndPropertyTheRoutesUseIsDeclared() throws IOException {
        Set<String> used = namesUsedByTheShippedRoutes();
        assertThat(used).as("the routes' names were found at all").contains(RouteNames.HELD, RouteNames.CHANGED,
                RouteNames.RUNTIME_APPLIED, RouteNames.TARGET);
        used.removeAll(HTTP_HEADERS);
        assertThat(RouteNames.ALL).as("names used in routes/*.yaml but not declared in RouteNames").containsAll(used);
    }

    @Test
    void anUndeclaredNameIsFound() {
        String yaml = """
                - filter:
                    simple: "${header.lbsyncHeldd}"
                - setProperty:
                    name: lbsyncTargett
                    constant: x
                """;
        assertThat(namesUsedIn(yaml)).containsExactlyInAnyOrder("lbsyncHeldd", "lbsyncTargett");
        assertThat(RouteNames.ALL).doesNotContain("lbsyncHeldd", "lbsyncTargett");
    }
}
