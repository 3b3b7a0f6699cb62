package io.lbsync.testsupport;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real-Consul conformance run ({@code lbsync.test.consul=real-or-skip}) without a real Consul to run on: every test
 * class is skipped as a whole, with the reason, before any set-up runs. Registered for every test through JUnit's
 * extension auto-detection (src/test/resources/junit-platform.properties).
 */
public final class RealConsulCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!"real-or-skip".equals(System.getProperty("lbsync.test.consul"))) {
            return ConditionEvaluationResult.enabled("not the real-Consul conformance run");
        }
        if ("simulator".equalsIgnoreCase(System.getenv("LBSYNC_TEST_CONSUL"))) {
            return ConditionEvaluationResult.disabled("LBSYNC_TEST_CONSUL=simulator: real-Consul run skipped");
        }
        String external = System.getenv("CONSUL_HTTP_ADDR");
        if ((external == null || external.isBlank()) && LocalConsul.binary().isEmpty()) {
            return ConditionEvaluationResult.disabled("no consul binary (LBSYNC_TEST_CONSUL_BIN or PATH) and no CONSUL_HTTP_ADDR: "
                    + "real-Consul run skipped");
        }
        return ConditionEvaluationResult.enabled("real Consul available");
    }
}
