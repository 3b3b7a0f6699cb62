package io.lbsync.render;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each bundled template may produce, line by line: the lines it writes whatever the data (taken from a render
 * of an empty Consul state) plus one pattern per line that carries values, where every value slot only admits what
 * lbsync lets through (identifiers, host names, endpoints, ports, paths). A line that matches none was not written
 * by the template as intended: something injected it, or a value broke out of its slot.
 *
 * <p>On top of that, {@link #injectedMarker} finds the fuzzer's marker standing as a word of its own anywhere (comments
 * included): only an injected directive can put it there (see {@link HostileInputs}).
 */
final class ConfigGrammar {
    private static final String ID = "[A-Za-z0-9_.-]+";
    private static final String HOST = "(?:\\*\\.)?[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.?";
    private static final String WILDCARD_SUFFIX = "(?:\\.[a-z0-9-]+)+\\.?";
    private static final String ENV = "[a-z][a-z0-9_-]{0,31}";
    private static final String PORT = "[1-9][0-9]{0,4}";
    private static final String ADDRESS = "(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.?)";
    private static final String ENDPOINT = ADDRESS + ":" + PORT;
    private static final String PATH = "/[A-Za-z0-9._~%/-]*";
    private static final String N = "[0-9]+";

    private static final Pattern MARKER = Pattern.compile("(?<![A-Za-z0-9_.-])(?:" + Pattern.quote(HostileInputs.MARKER) + "|"
            + Pattern.quote(HostileInputs.MARKER_IP) + ")");

    private static final List<String> HAPROXY_HOST_ROUTES = List.of(
            "    acl host_(" + ID + ") hdr\\(host\\),field\\(1,:\\) -i( " + HOST + ")+",
            "    acl host_(" + ID + ") hdr\\(host\\),field\\(1,:\\) -i -m end( " + WILDCARD_SUFFIX + ")+",
            "    use_backend (" + ID + ") if host_\\1");

    static final List<Pattern> HAPROXY = patterns(HAPROXY_HOST_ROUTES, List.of(
            "frontend http_" + ENV,
            "    bind 127\\.0\\.0\\.1:1808[0-9]",
            "# environment (" + ENV + "): only instances that declare env=\\1",
            "# environment (" + ENV + "): not served \\(no lbsync\\.haproxy\\.param\\.bind\\.\\1\\)",
            "# service " + ID + ": " + N + " of " + N + " instances passing",
            "# service " + ID + " in environment " + ENV + ": " + N + " of " + N + " instances passing",
            "backend " + ID,
            "    balance roundrobin",
            "    server " + ID + " " + ENDPOINT + " weight \\d{1,3}( backup)?"));

    static final List<Pattern> HAPROXY_DNS = patterns(HAPROXY_HOST_ROUTES, List.of(
            "# service " + ID + ": instances from Consul DNS",
            "backend " + ID,
            "    balance roundrobin",
            "    # allow-dup-ip: instances sharing an address \\(one host, several ports\\) each keep their server",
            "    server-template s 10 _[A-Za-z0-9-]+\\._tcp\\.service\\.consul resolvers consul resolve-prefer ipv4"
                    + " resolve-opts allow-dup-ip init-addr none",
            "# service " + ID + ": not served in DNS mode \\(the name is not a DNS label\\)",
            "# service " + ID + ": not served in DNS mode \\(instances declare environments\\)",
            "# environment " + ENV + ": not served in DNS mode \\(Consul DNS cannot keep environments apart\\)"));

    static final List<Pattern> NGINX = patterns(List.of(), List.of(
            "    # service " + ID + ": " + N + " of " + N + " instances passing",
            "    upstream " + ID + " \\{",
            "        server " + ENDPOINT + "( weight=\\d{1,3})?( backup)?;",
            "        # server " + ID + ": " + ADDRESS + " is a DNS name; nginx resolves names only when it loads the config",
            "        # no passing instance nginx can use, and nginx refuses an empty upstream: clients get 502 until one passes",
            "        server 127\\.0\\.0\\.1:9 down;",
            "    \\}",
            "    # site " + ID + " \\(Consul K/V\\)",
            "    server \\{",
            "        listen 127\\.0\\.0\\.1:" + PORT + ";",
            "        server_name( " + HOST + ")+;",
            "        location " + PATH + " \\{",
            "            proxy_pass http://" + ID + ";",
            "            # no service \"" + ID + "\" in Consul",
            "            return 503;",
            "        \\}"));

    private ConfigGrammar() {
    }

    private static List<Pattern> patterns(List<String> a, List<String> b) {
        List<Pattern> all = new ArrayList<>();
        a.forEach(p -> all.add(Pattern.compile(p)));
        b.forEach(p -> all.add(Pattern.compile(p)));
        return List.copyOf(all);
    }

    /**
     * The lines of {@code config} that are neither one of {@code fixedLines} nor match a pattern, with their line
     * numbers ("12: text").
     */
    static List<String> unexpectedLines(String config, Set<String> fixedLines, List<Pattern> patterns) {
        List<String> bad = new ArrayList<>();
        String[] lines = config.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() || fixedLines.contains(line)) {
                continue;
            }
            if (patterns.stream().noneMatch(p -> p.matcher(line).matches())) {
                bad.add((i + 1) + ": " + line);
            }
        }
        return bad;
    }

    /** Lines where the marker stands as a word of its own ("12: text"). */
    static List<String> injectedMarker(String config) {
        List<String> bad = new ArrayList<>();
        String[] lines = config.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = MARKER.matcher(lines[i]);
            if (m.find()) {
                bad.add((i + 1) + ": " + lines[i]);
            }
        }
        return bad;
    }

    /** Any character a config line must never hold: control characters (a tab included) and anything beyond ASCII. */
    static List<String> nonPrintable(String config) {
        List<String> bad = new ArrayList<>();
        String[] lines = config.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                bad.add((i + 1) + ": " + lines[i]);
            }
        }
        return bad;
    }
}
