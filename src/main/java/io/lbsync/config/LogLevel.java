package io.lbsync.config;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/** lbsync.log.level: the root log level (TRACE, DEBUG, INFO, WARN, ERROR), overriding LBSYNC_LOG_LEVEL. */
public final class LogLevel {
    private LogLevel() {
    }

    public static void apply(String value) {
        Level level = Level.getLevel(value.trim().toUpperCase(java.util.Locale.ROOT));
        if (level == null) {
            throw new IllegalArgumentException("lbsync.log.level: '" + value + "' is not one of TRACE, DEBUG, INFO, WARN, ERROR");
        }
        Configurator.setRootLevel(level);
    }
}
