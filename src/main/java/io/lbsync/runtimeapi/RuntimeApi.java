package io.lbsync.runtimeapi;

import java.io.IOException;
import java.util.Map;

/**
 * Applies a config change to the running proxy without a reload, when only its servers changed
 * (lbsync.&lt;target&gt;.runtime-api). {@link RuntimeMembership} is HAProxy's; the install route only sees this.
 */
public interface RuntimeApi {
    /** APPLIED: the proxy runs the new membership; STRUCTURAL: more than servers changed; FAILED: refused or not shown. */
    enum Result { APPLIED, STRUCTURAL, FAILED }

    /** @param commands runtime commands sent; @param detail why not applied (empty when applied) */
    record Outcome(Result result, int commands, String detail) {
    }

    /** Changes the running proxy from {@code beforeConfig}'s servers to {@code afterConfig}'s, and checks it shows them. */
    Outcome apply(String beforeConfig, String afterConfig);

    /**
     * Requests each server is busy with right now (sessions plus queued), keyed "backend/server": a draining server
     * leaves the config once it has none.
     */
    Map<String, Integer> sessions() throws IOException;

    /** For logs: how the proxy is reached. */
    String describe();
}
