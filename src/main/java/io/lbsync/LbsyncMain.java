package io.lbsync;

import io.lbsync.demo.Demo;
import java.util.List;
import org.apache.camel.main.Main;

/**
 * Entry point. {@code java -jar lbsync.jar [--once | --dry] [--demo] [--config=FILE] [--version]}:
 * runs until stopped; --once renders every enabled target once after the first full sync and exits
 * (non-zero if anything failed); --dry does the same up to validation and prints what would change (exit 0: nothing,
 * 2: something, 1: an error); --demo starts a built-in Consul simulator with sample services and, as a service, HAProxy,
 * nginx and backends to send requests to.
 */
public final class LbsyncMain {
    private LbsyncMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> options = List.of(args);
        if (options.contains("--help") || options.contains("-h")) {
            System.out.println("usage: java -jar lbsync.jar [--once | --dry] [--demo] [--config=application.properties] [--version]");
            System.out.println("  --once     render, validate and install every enabled target once, then exit (0 = all done)");
            System.out.println("  --dry      render and validate every enabled target once and print what would change as a diff;");
            System.out.println("             touches no file and no proxy; exit 0 = nothing would change, 2 = something would, 1 = error");
            System.out.println("  --demo     a built-in Consul with sample services, served by HAProxy and nginx when installed (try it without a Consul)");
            System.out.println("  --version  print the version");
            return;
        }
        if (options.contains("--version")) {
            System.out.println("lbsync " + Version.current());
            return;
        }
        for (String option : options) {
            if (!List.of("--once", "--dry", "--demo").contains(option) && !option.startsWith("--config=")) {
                System.err.println("lbsync: unknown option " + option + " (try --help)");
                System.exit(2);
            }
        }
        if (options.contains("--once") && options.contains("--dry")) {
            System.err.println("lbsync: --once installs, --dry does not: give one of them");
            System.exit(2);
        }
        String config = options.stream().filter(o -> o.startsWith("--config=")).map(o -> o.substring(9)).findFirst()
                .orElse(System.getenv().getOrDefault("LBSYNC_CONFIG", "application.properties"));
        try {
            RunMode mode = options.contains("--dry") ? RunMode.DRY : options.contains("--once") ? RunMode.ONCE : RunMode.DAEMON;
            System.exit(run(config, mode, options.contains("--demo")));
        } catch (Exception e) {
            // Configuration mistakes are the usual cause: one clear line naming the property, not a stack trace.
            System.err.println("lbsync: cannot start: " + rootMessage(e));
            System.exit(1);
        }
    }

    /** A camel-main wired for lbsync: bundled defaults, then the operator's file, then LBSYNC_* environment variables. */
    public static Main newMain(String configFile) {
        Main main = new Main();
        // Camel takes a property from the first location that has it: the operator's file goes first.
        main.setPropertyPlaceholderLocations("file:" + configFile + ";optional=true,classpath:application.properties;optional=true");
        main.configure().addConfiguration(LbsyncConfiguration.class);
        return main;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof IllegalArgumentException)) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** Runs lbsync and returns the exit code. */
    static int run(String configFile, RunMode mode, boolean demoMode) throws Exception {
        Main main = newMain(configFile);
        if (mode != RunMode.DAEMON) {
            mode.overrides().forEach(main::addOverrideProperty);
        }
        Demo demo = null;
        if (demoMode) {
            // --demo as a service also serves traffic (backends, HAProxy, nginx); --once / --dry only render
            demo = Demo.start(mode == RunMode.DAEMON);
            demo.overrides().forEach(main::addOverrideProperty);
            main.addMainListener(demo);
        }
        OnceMode onceMode = mode != RunMode.DAEMON ? new OnceMode(main, mode == RunMode.DRY) : null;
        if (onceMode != null) {
            main.addMainListener(onceMode);
        }
        io.lbsync.metrics.HeapHeadroom.watch(); // the packaged heap is small: say when it is too small
        try {
            main.run();
        } finally {
            if (demo != null) {
                demo.close();
            }
        }
        return onceMode != null ? onceMode.exitCode() : main.getExitCode();
    }
}
