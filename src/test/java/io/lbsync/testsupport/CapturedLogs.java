package io.lbsync.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Every log event (message and stack trace, DEBUG and up) while open, for tests that check what is never logged. */
public final class CapturedLogs implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final AbstractAppender appender;
    private final Level previousRootLevel;

    public CapturedLogs() {
        appender = new AbstractAppender("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringWriter text = new StringWriter();
                text.append(event.getLoggerName()).append(' ').append(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    event.getThrown().printStackTrace(new PrintWriter(text));
                }
                lines.add(text.toString());
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        LoggerConfig root = config.getRootLogger();
        previousRootLevel = root.getLevel();
        root.setLevel(Level.DEBUG);
        root.addAppender(appender, Level.DEBUG, null);
        context.updateLoggers();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public String all() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender(appender.getName());
        root.setLevel(previousRootLevel);
        context.updateLoggers();
        appender.stop();
    }
}
