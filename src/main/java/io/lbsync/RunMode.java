package io.lbsync;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How lbsync runs: as a service (the default), --once or --dry. The one-shot modes read Consul, run every target's
 * pipeline once and exit; they start no HTTP server (so they can run beside a running lbsync), no duplicate cleanup,
 * no leader election and no registration guard: only the Consul watches and the install routes are loaded.
 */
enum RunMode {
    DAEMON, ONCE, DRY;

    /** Properties that override the operator's for this mode. */
    Map<String, String> overrides() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("camel.server.enabled", "false");
        p.put("camel.management.enabled", "false");
        p.put("lbsync.cleanup.enabled", "false");
        p.put("lbsync.registration-guard.enabled", "false");
        p.put("camel.main.routes-include-pattern", "file:{{lbsync.routes}}/consul-watch.yaml,file:{{lbsync.routes}}/targets.yaml");
        if (this == DRY) {
            p.put("lbsync.dry-run", "true");
        }
        return p;
    }
}
