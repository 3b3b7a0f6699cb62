package io.lbsync;

import io.lbsync.install.ConfigTarget;
import java.time.Duration;
import java.util.Collection;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --once and --dry: wait until every enabled target went through its pipeline once, then stop. --once: 0 when all
 * did, else 1. --dry: 1 when one failed (validation included), 2 when one would change its file, else 0.
 */
final class OnceMode extends MainListenerSupport {
    private static final Logger LOG = LoggerFactory.getLogger(OnceMode.class);
    private final Main main;
    private final boolean dry;
    private volatile int exitCode = 1;

    OnceMode(Main main, boolean dry) {
        this.main = main;
        this.dry = dry;
    }

    @Override
    public void afterStart(BaseMainSupport support) {
        CamelContext camel = main.getCamelContext();
        Duration timeout = io.lbsync.config.Durations.parse("lbsync.once.timeout",
                camel.getPropertiesComponent().resolveProperty("lbsync.once.timeout").orElse("60s"));
        Thread waiter = new Thread(() -> await(camel, timeout), "lbsync-once");
        waiter.setDaemon(true);
        waiter.start();
    }

    private void await(CamelContext camel, Duration timeout) {
        Collection<ConfigTarget> targets = camel.getRegistry().findByType(ConfigTarget.class).stream()
                .filter(t -> t.settings().enabled()).toList();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && targets.stream().anyMatch(t -> t.status() == null)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean allDone = targets.stream().noneMatch(t -> t.status() == null);
        boolean anyFailed = targets.stream().anyMatch(t -> t.status() != null && t.status().failed());
        if (!allDone) {
            LOG.error("event=once-timeout reason=\"no complete sync with Consul within {}\"", timeout);
        }
        boolean anyWouldChange = targets.stream().anyMatch(t -> t.status() != null
                && t.status().result() == io.lbsync.install.TargetStatus.Result.WOULD_CHANGE);
        exitCode = !allDone || anyFailed ? 1 : dry && anyWouldChange ? 2 : 0;
        LOG.info("event=once-done exit={}", exitCode);
        main.completed();
    }

    int exitCode() {
        return exitCode;
    }
}
