package io.lbsync;

import io.lbsync.demo.DemoScenario;
import java.util.List;
import org.apache.camel.main.Main;

/**
 * Entry point. {@code java -jar lbsync.jar [--once] [--demo] [--config=FILE]}:
 * runs until stopped; --once renders every enabled target once after the first full sync and exits
 * (non-zero if anything failed); --demo starts a built-in Consul simulator with sample services.
 */
public final class LbsyncMain {
    private LbsyncMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> options = List.of(args);
        if (options.contains("--help") || options.contains("-h")) {
            System.out.println("usage: java -jar lbsync.jar [--once] [--demo] [--config=application.properties]");
            return;
        }
        for (String option : options) {
            if (!option.equals("--once") && !option.equals("--demo") && !option.startsWith("--config=")) {
                System.err.println("lbsync: unknown option " + option + " (try --help)");
                System.exit(2);
            }
        }
        String config = options.stream().filter(o -> o.startsWith("--config=")).map(o -> o.substring(9)).findFirst()
                .orElse(System.getenv().getOrDefault("LBSYNC_CONFIG", "application.properties"));
        System.exit(run(config, options.contains("--once"), options.contains("--demo")));
    }

    /** Runs lbsync and returns the exit code. */
    static int run(String configFile, boolean once, boolean demo) throws Exception {
        Main main = new Main();
        // Defaults are bundled; the operator's file overrides them; LBSYNC_* environment variables override both.
        main.setPropertyPlaceholderLocations("classpath:application.properties;optional=true,file:" + configFile + ";optional=true");
        main.configure().addConfiguration(LbsyncConfiguration.class);
        DemoScenario scenario = null;
        if (demo) {
            scenario = DemoScenario.start();
            main.addOverrideProperty("lbsync.consul.url", scenario.consulUrl());
            main.addOverrideProperty("lbsync.demo", "true");
        }
        OnceMode onceMode = once ? new OnceMode(main) : null;
        if (onceMode != null) {
            main.addMainListener(onceMode);
        }
        try {
            main.run();
        } finally {
            if (scenario != null) {
                scenario.close();
            }
        }
        return onceMode != null ? onceMode.exitCode() : main.getExitCode();
    }
}
