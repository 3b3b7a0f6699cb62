package io.lbsync.config;

import java.util.Locale;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.LoggerFactory;

/** lbsync.log.level: the root log level (TRACE, DEBUG, INFO, WARN, ERROR), overriding LBSYNC_LOG_LEVEL. */
public final class LogLevel {
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    private LogLevel() {
    }

    public static void apply(String value) {
        String name = value.trim().toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(name)) {
            throw new IllegalArgumentException("lbsync.log.level: '" + value + "' is not one of TRACE, DEBUG, INFO, WARN, ERROR");
        }
        try {
            Configurator.setRootLevel(Level.getLevel(name));
        } catch (LinkageError noLog4j) {
            // the Karaf bundle logs through pax-logging and carries no Log4j: Karaf's log:set sets levels there
            LoggerFactory.getLogger(LogLevel.class).warn(
                    "event=log-level-ignored level={} reason=\"no Log4j here; in Karaf use: log:set {} io.lbsync\"", name, name);
        }
    }
}
