package io.lbsync.render;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.ServiceInstance;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile Consul input for {@link HostileInputFuzzIT}: registrations (every field a registrant
 * controls) and K/V site values. Injection attempts carry {@link #MARKER} and {@link #MARKER_IP} always right after a
 * directive keyword and a space ("server lbsyncpwn 203.0.113.66:6666"), never alone: so no input can legitimately
 * put either into a config as a value of its own (a sanitised identifier keeps it glued to a '_'), and a config in
 * which one stands as a word of its own carries an injected directive.
 */
final class HostileInputs {
    /** A name only injection payloads carry. */
    static final String MARKER = "lbsyncpwn";
    /** An address (TEST-NET-3) only injection payloads carry. */
    static final String MARKER_IP = "203.0.113.66";
    /** A port only injection payloads carry; never generated as a valid port. */
    static final int MARKER_PORT = 6666;

    /** One registration, as Consul would report it. */
    record Registration(String service, String id, String node, String nodeAddress, String serviceAddress, int port,
                        List<String> tags, Map<String, String> meta, HealthStatus status) {
        ServiceInstance instance() {
            return ServiceInstance.of(service, id, node, nodeAddress, serviceAddress, port, tags, meta, status);
        }
    }

    /** One K/V entry under &lt;prefix&gt;sites/: key relative to that path. */
    record KvSite(String key, String value) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Directives of HAProxy and nginx that an attacker would like to add; each carries a marker after a keyword. */
    static final List<String> INJECTIONS = List.of(
            "\n    server lbsyncpwn 203.0.113.66:6666",
            "\nbackend lbsyncpwn\n    server lbsyncpwn 203.0.113.66:6666\n",
            "\r\n    use_backend lbsyncpwn if TRUE",
            "\n    http-request return status 200 content-type text/plain string lbsyncpwn",
            "\nfrontend lbsyncpwn\n    bind 203.0.113.66:6666",
            " 203.0.113.66:6666 backup",
            "\tserver lbsyncpwn 203.0.113.66:6666",
            "; server 203.0.113.66:6666;",
            ";\n        server 203.0.113.66:6666;",
            "; } server { listen 203.0.113.66:6666; server_name lbsyncpwn; location / { return 200 lbsyncpwn; } } #",
            "}\nserver { listen 6666; server_name lbsyncpwn; }\n",
            "; include /etc/lbsyncpwn;",
            " { return 200 lbsyncpwn; } location /lbsyncpwn",
            "\" server lbsyncpwn 203.0.113.66:6666 \"",
            "' server lbsyncpwn 203.0.113.66:6666 '",
            "# server lbsyncpwn 203.0.113.66:6666",
            "\\\n    server lbsyncpwn 203.0.113.66:6666",
            "\" ${lbsyncpwn} \"",
            "\u0000server lbsyncpwn 203.0.113.66:6666",
            "\u2028server lbsyncpwn 203.0.113.66:6666",
            "\u0085backend lbsyncpwn",
            "\u000bserver lbsyncpwn 203.0.113.66:6666",
            "\u000cserver lbsyncpwn 203.0.113.66:6666",
            "\uff1b server lbsyncpwn 203.0.113.66:6666",
            "%0aserver lbsyncpwn 203.0.113.66:6666",
            "\n    acl lbsyncpwn src 203.0.113.66\n    use_backend lbsyncpwn if lbsyncpwn",
            ";\nlocation /lbsyncpwn { proxy_pass http://203.0.113.66:6666; }",
            "\" ; proxy_pass http://203.0.113.66:6666 ; \"");

    /** Characters with a meaning in a HAProxy or nginx config, or in JSON, or that trip up parsers and logs. */
    private static final char[] SYNTAX = ("\n\r\t #;{}\"'\\$%`,|&<>=*~^()[]:/@!?+ \u0000\u0001\u0007\u0008\u000b\u000c\u001b\u007f"
            + "\u0085\u00a0\u2028\u2029\u200b\u202e\ufeff\uff1b\uff5b\u212a\u0130\u00e9\u00df").toCharArray();

    private HostileInputs() {
    }

    // ---- strings ------------------------------------------------------------------------------------------------

    /** Untrusted free text: injections, syntax soup, unicode, control characters, long strings, near-valid values. */
    static Arbitrary<String> hostile() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, injection()),
                Tuple.of(3, Arbitraries.strings().withChars(SYNTAX).withCharRange('a', 'z').withCharRange('0', '9')
                        .ofMinLength(0).ofMaxLength(40)),
                Tuple.of(1, Arbitraries.strings().all().ofMinLength(1).ofMaxLength(30)),
                Tuple.of(1, longText()),
                Tuple.of(1, Arbitraries.of("", " ", "\n", "null", "undefined", "-", ".", "..", "_", "*", "0", "-1", "NaN",
                        "true", "[]", "{}", "\u0000", "\ud83d\ude00", "\ud800", "a\u0000b")));
    }

    /** prefix + injection + suffix. */
    static Arbitrary<String> injection() {
        Arbitrary<String> around = Arbitraries.of("", "", "web", "10.0.0.1", "shop.example.com", "web-1", "/", "prod", "80");
        return Combinators.combine(around, Arbitraries.of(INJECTIONS), around).as((a, i, b) -> a + i + b);
    }

    /** 300 to 20,000 characters, mostly plain, sometimes with an injection inside. */
    static Arbitrary<String> longText() {
        return Combinators.combine(Arbitraries.integers().between(300, 20_000), Arbitraries.of('a', 'Z', '9', '.', '-', '_', ' ', '\n'),
                Arbitraries.of("", "", INJECTIONS.get(0), INJECTIONS.get(9)))
                .as((n, c, inject) -> String.valueOf(c).repeat(n / 2) + inject + "x".repeat(n / 2));
    }

    static Arbitrary<String> dnsLabel() {
        return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars('-')
                .ofMinLength(1).ofMaxLength(12)
                .filter(s -> Character.isLetterOrDigit(s.charAt(0)) && Character.isLetterOrDigit(s.charAt(s.length() - 1)));
    }

    /** Valid DNS names of every shape: one label, many, mixed case, a trailing dot, 253 characters, 63-character labels. */
    static Arbitrary<String> dnsName() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, dnsLabel().list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l) + ".example")),
                Tuple.of(1, dnsLabel().map(l -> l + ".example.com.")),
                Tuple.of(1, Arbitraries.of("localhost", "a", "x1", "web-1.internal", "0x7f000001", "1.2.3.4a")),
                Tuple.of(1, Arbitraries.integers().between(0, 999).map(i -> ("a".repeat(63) + ".").repeat(3) + "b".repeat(57)
                        + String.format("%03d", i))));
    }

    // ---- registrations ------------------------------------------------------------------------------------------

    static Arbitrary<String> ipv4() {
        return Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.stream().map(String::valueOf).reduce((a, b) -> a + "." + b).orElseThrow())
                .filter(a -> !a.equals(MARKER_IP));
    }

    static Arbitrary<String> ipv6() {
        Arbitrary<String> group = Arbitraries.integers().between(0, 0xffff).map(Integer::toHexString);
        return Arbitraries.frequencyOf(
                Tuple.of(2, group.list().ofSize(8).map(l -> String.join(":", l))),
                Tuple.of(1, group.list().ofSize(8).map(l -> String.join(":", l).toUpperCase())),
                Tuple.of(2, Arbitraries.of("::1", "::", "fe80::1", "2001:db8::8a2e:370:7334", "2001:DB8::1", "::ffff:10.0.0.1",
                        "::10.0.0.1", "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "0:0:0:0:0:0:0:1", "2001:db8:0:0:0:0:2:1")));
    }

    /** Service and node addresses: valid (IPv4, IPv6, DNS names) and not. */
    static Arbitrary<String> address() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, ipv4()),
                Tuple.of(2, ipv6()),
                Tuple.of(2, dnsName()),
                Tuple.of(4, hostile()),
                Tuple.of(2, Arbitraries.of("10.0.0.1 ", " 10.0.0.1", "10.0.0.01", "256.1.1.1", "10.0.0.1:80", "[::1]", "fe80::1%eth0",
                        "1.2.3", "10.0.0.1\n", "::1 backup", "::1\n", "1::2::3", "12345::1", ":::", "-web.example", "web-.example",
                        "we_b.example", "a..b", "999.1.1.1", "10.0.0.1/24", "10.0.0.1 check", "10.0.0.1;", "10.0.0.1}", "*.example.com",
                        "a".repeat(64) + ".example", "a.".repeat(130) + "b")));
    }

    /** Ports: valid (never the marker port), out of range, negative, the int extremes. */
    static Arbitrary<Integer> port() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(1, 65535).filter(p -> p != MARKER_PORT)),
                Tuple.of(2, Arbitraries.of(-1, 0, 65536, 70000, -65535, 100000, Integer.MIN_VALUE, Integer.MAX_VALUE, 1, 65535)),
                Tuple.of(1, Arbitraries.integers().filter(p -> p != MARKER_PORT)));
    }

    /** Service names: a pool that collides (after sanitising, in case, with reserved names), and hostile text. */
    static Arbitrary<String> serviceName() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("web", "api", "Web", "WEB", "web_", "web.", "web 1", "web_1", "web-1", "-", "_", ".", "..",
                        "http", "http_prod", "http_staging", "lbsync_no_route", "consul", "prod.web", "default", "global", "frontend",
                        "backend", "server", "upstream", "location", "s", "10.0.0.1", "localhost", "a".repeat(100), "a".repeat(150),
                        "a".repeat(100) + "b", "a".repeat(63), "a".repeat(64), "UPPER-case", "über", "web\u00e9", "1", "0x10")),
                Tuple.of(3, hostile()),
                Tuple.of(2, Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars("_.-")
                        .ofMinLength(1).ofMaxLength(12)));
    }

    static Arbitrary<String> serviceId() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("web-1", "web 1", "web_1", "WEB-1", "web-1.node-a", "1", "-", ".", "lbsync_no_route",
                        "s", "a".repeat(120))),
                Tuple.of(3, hostile()),
                Tuple.of(2, dnsLabel()));
    }

    static Arbitrary<String> nodeName() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("node-a", "node-b", "Node-A", "node a", "n1")),
                Tuple.of(2, hostile()),
                Tuple.of(1, dnsLabel()));
    }

    /** Host names of the routing convention: valid ones (wildcards, upper case, long) and not. */
    static Arbitrary<String> hostName() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, dnsName()),
                Tuple.of(1, dnsName().map(n -> "*." + n)),
                Tuple.of(3, hostile()),
                Tuple.of(2, Arbitraries.of("a.com ", " a.com", "*.com", "*", "a*.com", "x.com#", "ex ample.com", "\u212aey.example",
                        "\u0130.example", "*.*.example", "**.example", ".example", "example..com", "a.com:80", "a.com/x", "123", "1.2.3.4",
                        "-a.example", "a-.example", "xn--bcher-kva.example", "a_b.example")));
    }

    /** Environment declarations: the usual names, other valid names, and hostile or wrongly shaped ones. */
    static Arbitrary<String> envName() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("prod", "staging", "test", "qa")),
                Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars("_-").ofMinLength(0).ofMaxLength(31)
                        .map(s -> "e" + s)),
                Tuple.of(2, hostile()),
                Tuple.of(1, Arbitraries.of("Prod", "PROD", "", " prod", "prod ", "e".repeat(33), "prod,staging", "prod\n", "-prod", "1prod")));
    }

    static Arbitrary<String> tag() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, hostName().map(h -> TemplateModelBuilder.HOST_TAG + h)),
                Tuple.of(1, envName().map(e -> Environments.ENV_TAG + e)),
                Tuple.of(2, hostile()),
                Tuple.of(1, Arbitraries.of("primary", "v1", "lbsync.host=", "env=", "LBSYNC.HOST=shop.example", "lbsync.host =a.example")));
    }

    static Arbitrary<List<String>> tags() {
        return Arbitraries.frequencyOf(
                Tuple.of(19, tag().list().ofMinSize(0).ofMaxSize(6)),
                // more host names than HAProxy takes words on one line (64)
                Tuple.of(1, dnsName().map(n -> TemplateModelBuilder.HOST_TAG + n).list().ofMinSize(60).ofMaxSize(150)));
    }

    static Arbitrary<Map<String, String>> meta() {
        Arbitrary<Map.Entry<String, String>> hosts = hostName().list().ofMinSize(1).ofMaxSize(5)
                .map(l -> Map.entry(TemplateModelBuilder.HOST_META, String.join(",", l)));
        Arbitrary<Map.Entry<String, String>> manyHosts = dnsName().list().ofMinSize(60).ofMaxSize(120)
                .map(l -> Map.entry(TemplateModelBuilder.HOST_META, String.join(",", l)));
        Arbitrary<Map.Entry<String, String>> env = envName().map(e -> Map.entry(Environments.ENV_META, e));
        Arbitrary<Map.Entry<String, String>> other = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.of("weight", "version", "Env", "LBSYNC-HOST")), Tuple.of(1, hostile())),
                hostile()).as(Map::entry);
        Arbitrary<Map.Entry<String, String>> entry = Arbitraries.frequencyOf(
                Tuple.of(4, hosts), Tuple.of(1, manyHosts), Tuple.of(1, env), Tuple.of(3, other));
        return entry.list().ofMinSize(0).ofMaxSize(4).map(entries -> {
            Map<String, String> m = new LinkedHashMap<>();
            entries.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }

    static Arbitrary<Registration> registration() {
        Arbitrary<HealthStatus> status = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(HealthStatus.PASSING)), Tuple.of(1, Arbitraries.just(HealthStatus.WARNING)),
                Tuple.of(1, Arbitraries.just(HealthStatus.CRITICAL)));
        // no service address: Consul gives the node's
        Arbitrary<String> serviceAddress = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.of("", " ")), Tuple.of(9, address()));
        return Combinators.combine(serviceName(), serviceId(), nodeName(), address(), serviceAddress, port(), tags(), meta())
                .as((service, id, node, nodeAddress, address, port, tags, meta) ->
                        new Registration(service, id, node, nodeAddress, address, port, tags, meta, HealthStatus.PASSING))
                .flatMap(r -> status.map(s -> new Registration(r.service(), r.id(), r.node(), r.nodeAddress(), r.serviceAddress(),
                        r.port(), r.tags(), r.meta(), s)));
    }

    // ---- K/V sites ----------------------------------------------------------------------------------------------

    static Arbitrary<String> siteKey() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("shop", "api", "Shop", "a b", "a_b", "shop/sub", "shop/", "-", ".", "canary_", "x".repeat(300))),
                Tuple.of(3, hostile()),
                Tuple.of(2, dnsLabel()));
    }

    /** A JSON value of any type, for fields that expect another one. */
    static Arbitrary<Object> wrongType() {
        return Arbitraries.of(Arrays.asList(null, true, false, 0, -1, 3.5, 1e300, new BigInteger("123456789012345678901234567890"),
                "", "text", List.of(), List.of(80), Map.of(), Map.of("port", 80), List.of(List.of("a.example"))));
    }

    /** Each site field is valid most of the time, so that whole sites get through and neighbours meet in a config. */
    private static <T> Arbitrary<Object> mostlyValid(Arbitrary<T> valid, Arbitrary<?> invalid) {
        return Arbitraries.frequencyOf(Tuple.of(4, valid.map(v -> (Object) v)), Tuple.of(1, invalid.map(v -> (Object) v)));
    }

    static Arbitrary<Object> listen() {
        return mostlyValid(Arbitraries.integers().between(1, 65535).filter(p -> p != MARKER_PORT), Arbitraries.frequencyOf(
                Tuple.of(2, port().map(p -> (Object) p)),
                Tuple.of(2, Arbitraries.of("8080", "8080; include /etc/lbsyncpwn;", "80 default_server", "-1", "0x50", "8080.0", " 80")),
                Tuple.of(1, Arbitraries.of(8080.0, 8080.5, -80, 1e3, 65536L, 4294967376L).map(o -> (Object) o)),
                Tuple.of(1, wrongType())));
    }

    static Arbitrary<Object> serverNames() {
        Arbitrary<Object> valid = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.frequencyOf(Tuple.of(4, dnsName()), Tuple.of(1, dnsName().map(n -> "*." + n)))
                        .list().ofMinSize(0).ofMaxSize(6).map(l -> (Object) l)),
                Tuple.of(1, dnsName().list().ofMinSize(20).ofMaxSize(80).map(l -> (Object) l)));
        Arbitrary<Object> element = Arbitraries.frequencyOf(Tuple.of(3, hostName().map(h -> (Object) h)), Tuple.of(1, wrongType()));
        return mostlyValid(valid, Arbitraries.frequencyOf(
                Tuple.of(4, element.list().ofMinSize(1).ofMaxSize(6).map(l -> (Object) l)),
                Tuple.of(1, wrongType())));
    }

    static Arbitrary<String> validPath() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of("/", "/api/", "/a.b", "/~user", "/%20x", "/a-b_c", "/" + "p".repeat(200), "//", "/./..", "/%", "/~")),
                Tuple.of(3, Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                        .withChars("/._~%-").ofMinLength(0).ofMaxLength(20).map(s -> "/" + s)));
    }

    static Arbitrary<String> path() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, validPath()),
                Tuple.of(1, hostile().map(h -> "/" + h)),
                Tuple.of(1, Arbitraries.of("", "x", "/x y", "/{", "/;", "/ { return 200; }", "~ .*", "= /", "^~ /a", "/" + "p".repeat(201),
                        "/a\nb", "/a#b", "/a?b", "/a$b", "/a\"b", "/a'b")));
    }

    static Arbitrary<Object> routes() {
        Arbitrary<Object> target = Arbitraries.frequencyOf(
                Tuple.of(12, serviceName().map(s -> (Object) s)),
                Tuple.of(1, wrongType()));
        Arbitrary<Object> map = Arbitraries.maps(path(), target).ofMinSize(1).ofMaxSize(4).map(m -> (Object) new LinkedHashMap<>(m));
        return Arbitraries.frequencyOf(Tuple.of(12, map), Tuple.of(1, wrongType()), Tuple.of(1, Arbitraries.just(Map.of())));
    }

    /** A site object whose every field may be valid, hostile, of the wrong type, or missing; plus unknown fields. */
    static Arbitrary<String> siteObject() {
        Arbitrary<Boolean> present = Arbitraries.frequencyOf(Tuple.of(15, Arbitraries.just(true)), Tuple.of(1, Arbitraries.just(false)));
        Arbitrary<Boolean> extraField = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(false)), Tuple.of(1, Arbitraries.just(true)));
        return Combinators.combine(serverNames(), listen(), routes(), present, present, present, extraField, hostile())
                .as((names, listen, routes, hasNames, hasListen, hasRoutes, hasExtra, extra) -> {
                    Map<String, Object> site = new LinkedHashMap<>();
                    if (hasNames) {
                        site.put("server_names", names);
                    }
                    if (hasListen) {
                        site.put("listen", listen);
                    }
                    if (hasRoutes) {
                        site.put("routes", routes);
                    }
                    if (hasExtra) {
                        site.put(extra, extra); // an unknown field, ignored by the parser
                    }
                    return json(site);
                });
    }

    /** Not a site object: other JSON types, trailing text, duplicate fields, deep nesting, broken JSON. */
    static Arbitrary<String> wrongShape() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("[]", "[1,2]", "null", "true", "42", "\"str\"", "{}", "{\"routes\": []}", "[{\"listen\":80}]",
                        "{\"listen\":80,\"routes\":{\"/\":\"web\"}} trailing", "{\"listen\":80,\"routes\":{\"/\":\"web\"}}\n; include x;",
                        "{\"listen\":80,\"listen\":81,\"routes\":{\"/\":\"web\"}}",
                        "{\"listen\":80,\"routes\":{\"/\":\"web\",\"/\":\"lbsync_no_route\"}}",
                        "{\"listen\":80,\"routes\":{\"/\":\"web\"}", "{'listen':80,'routes':{'/':'web'}}", "{\"listen\":080,\"routes\":{\"/\":\"web\"}}",
                        "{\"listen\":NaN,\"routes\":{\"/\":\"web\"}}", "{\"listen\":80,\"routes\":{\"/\":\"web\"},}", "\ufeff{\"listen\":80,\"routes\":{\"/\":\"web\"}}",
                        "[".repeat(5000) + "]".repeat(5000), "{\"a\":".repeat(3000) + "1" + "}".repeat(3000))),
                Tuple.of(2, Combinators.combine(hostile(), hostile())
                        .as((a, b) -> "{\"server_names\": [\"" + a + "\"], \"listen\": 8080, \"routes\": {\"/\": \"" + b + "\"}}")));
    }

    static Arbitrary<String> siteValue() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, siteObject()),
                Tuple.of(1, wrongShape()),
                Tuple.of(1, hostile()));
    }

    static Arbitrary<KvSite> site() {
        return Combinators.combine(siteKey(), siteValue()).as(KvSite::new);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> lines(String text) {
        return new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    }
}
