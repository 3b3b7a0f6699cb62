package io.lbsync.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The block --demo prints once the proxies serve traffic: the curl commands to try, the status page, what the
 * scenario changes, what was skipped, and how to stop. {@code haproxyPort} / {@code nginxPort} 0 = not running.
 */
record DemoInstructions(int haproxyPort, int nginxPort, String statusUrl, String out, Duration interval, List<String> skipped) {
    static final String RULE = "-".repeat(100);

    String text() {
        List<String> lines = new ArrayList<>();
        lines.add(RULE);
        lines.add("lbsync demo: the proxies below follow a simulated Consul; each backend answers with its instance name.");
        if (haproxyPort > 0) {
            String base = "http://127.0.0.1:" + haproxyPort + "/";
            lines.add("HAProxy (" + out + "/haproxy.cfg, routes by Host header):");
            lines.add("  curl -H 'Host: web.demo.local' " + base + "        web-1, web-2, web-3 in turn");
            lines.add("  curl -H 'Host: api.demo.local' " + base + "        api-1, api-2 (api-3 comes and goes)");
        }
        if (nginxPort > 0) {
            String base = "http://127.0.0.1:" + nginxPort + "/";
            lines.add("nginx (" + out + "/nginx.conf, the K/V site lbsync/sites/demo, routes by path):");
            lines.add("  curl " + base + "          the web instances");
            lines.add("  curl " + base + "api/      the api instances");
        }
        lines.addAll(skipped);
        lines.add("Every " + seconds(interval) + " the scenario changes Consul: web-2 fails its check and recovers, api-3 registers "
                + "and leaves, the site gains and loses /v2/.");
        if (haproxyPort > 0) {
            lines.add("Watch the answers move (no request fails): while sleep 0.2; do curl -s -H 'Host: web.demo.local' "
                    + "http://127.0.0.1:" + haproxyPort + "/; done");
        }
        lines.add("Status page: " + statusUrl + "/   (JSON " + statusUrl + "/status, health /observe/health, metrics /observe/metrics)");
        List<String> stops = new ArrayList<>(List.of("lbsync"));
        if (haproxyPort > 0) {
            stops.add("HAProxy");
        }
        if (nginxPort > 0) {
            stops.add("nginx");
        }
        String last = stops.remove(stops.size() - 1);
        lines.add("Ctrl-C stops " + (stops.isEmpty() ? last : String.join(", ", stops) + " and " + last) + ".");
        lines.add(RULE);
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
