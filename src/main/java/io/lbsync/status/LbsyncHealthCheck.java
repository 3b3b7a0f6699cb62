package io.lbsync.status;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * One of lbsync's checks in Camel's health-check registry (found there as a bean; served at /observe/health and
 * /observe/health/ready, group "lbsync"). DOWN with the reasons as its message when {@link HealthRules} finds
 * problems. Readiness only: /observe/health/live stays UP while Camel runs, since restarting lbsync fixes neither
 * Consul nor a proxy that refuses the config.
 */
public final class LbsyncHealthCheck implements HealthCheck {
    /** Camel writes the message into its JSON unescaped and unabridged: keep it readable. */
    private static final int MAX_MESSAGE = 1000;
    private static final int MAX_DETAIL = 400;

    private final String id;
    private final Supplier<List<HealthRules.Problem>> problems;
    private final Supplier<List<HealthRules.Problem>> degradations;
    private final Supplier<String> upMessage;
    private final Redaction redaction;
    private volatile boolean enabled = true;

    public LbsyncHealthCheck(String id, Supplier<List<HealthRules.Problem>> problems, Supplier<List<HealthRules.Problem>> degradations,
                             Supplier<String> upMessage, Redaction redaction) {
        this.id = id;
        this.problems = problems;
        this.degradations = degradations;
        this.upMessage = upMessage;
        this.redaction = redaction;
    }

    /** Whether Consul answers: watches failing beyond the grace, or no complete read yet. */
    public static LbsyncHealthCheck consul(HealthRules rules, Redaction redaction) {
        return new LbsyncHealthCheck("lbsync-consul", rules::consul, rules::degraded,
                () -> "synced with Consul, every watch answering", redaction);
    }

    /** Whether every enabled target's config is in place: last run failed, or nothing installed yet. */
    public static LbsyncHealthCheck targets(HealthRules rules, Redaction redaction) {
        return new LbsyncHealthCheck("lbsync-targets", rules::targets, List::of,
                () -> "every enabled target installed its config (or found it unchanged) on its last run", redaction);
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public String getGroup() {
        return "lbsync";
    }

    @Override
    public boolean isEnabled() {
        return enabled;
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public Result call(Map<String, Object> options) {
        HealthCheckResultBuilder b = HealthCheckResultBuilder.on(this);
        List<HealthRules.Problem> found = problems.get();
        if (found.isEmpty()) {
            List<HealthRules.Problem> degraded = degradations.get();
            if (degraded.isEmpty()) {
                return b.up().message(upMessage.get()).build();
            }
            // UP: what works goes on; the message and the "degraded" detail say what does not
            b.up().message(redaction.forHealth("degraded: " + String.join("; ",
                    degraded.stream().map(HealthRules.Problem::message).toList()), MAX_MESSAGE)).detail("degraded", true);
            addDetails(b, degraded);
            return b.build();
        }
        b.down().message(redaction.forHealth(String.join("; ",
                found.stream().map(HealthRules.Problem::message).toList()), MAX_MESSAGE));
        addDetails(b, found);
        return b.build();
    }

    private void addDetails(HealthCheckResultBuilder b, List<HealthRules.Problem> problems) {
        for (HealthRules.Problem p : problems) {
            p.details().forEach((k, v) -> b.detail(p.subject() + "." + k,
                    v instanceof Number ? v : redaction.forHealth(String.valueOf(v), MAX_DETAIL)));
        }
    }
}
