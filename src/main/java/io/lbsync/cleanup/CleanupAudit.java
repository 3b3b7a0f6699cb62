package io.lbsync.cleanup;

import io.lbsync.render.SafeValues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One key=value log line per decision; values from Consul are made log-safe (no spaces, quotes, newlines). */
final class CleanupAudit {
    private static final Logger LOG = LoggerFactory.getLogger("io.lbsync.cleanup.audit");

    void log(CleanupDecision d, boolean dryRun) {
        String line = "event=duplicate-cleanup action={} service={} id={} node={} address={}:{} kept_node={} dry_run={} reason=\"{}\"";
        Object[] args = {d.action().label(), SafeValues.forLog(d.service()), SafeValues.forLog(d.id()),
                SafeValues.forLog(d.node()), SafeValues.forLog(d.address()), d.port(), SafeValues.forLog(d.keptNode()),
                dryRun, SafeValues.quotedForLog(d.reason())};
        if (d.action() == CleanupDecision.Action.FAILED) {
            LOG.warn(line, args);
        } else {
            LOG.info(line, args);
        }
    }
}
