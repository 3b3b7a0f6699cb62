package io.lbsync.config;

import java.lang.reflect.Field;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.camel.spi.UriParam;

/**
 * Typed options of lbsync's Camel endpoints ({@code quiesce:}, {@code consul-watch:}). The endpoint declares each option
 * as a field with {@link UriParam} and its real type, as Camel's own endpoints do; before Camel binds the URI's
 * parameters (by reflection: lbsync generates no configurers), {@link #convert} turns the text of every
 * {@link Duration} and {@link Set} option into that type, so a bad value is refused when the endpoint is created, with
 * an error that names the endpoint, the option and the value. An empty duration leaves the option at its default.
 */
public final class EndpointOptions {
    /** lbsync's durations ("250ms", "5s", "2m", "1h", a bare number = ms), also combined as Camel writes them ("1m30s"). */
    private static final Pattern COMBINED = Pattern.compile("(\\d+\\s*(ms|s|m|h)\\s*)+");
    private static final Pattern PART = Pattern.compile("\\d+\\s*(ms|s|m|h)");

    private EndpointOptions() {
    }

    /**
     * Replaces the text of each Duration or Set option of {@code endpointType} in {@code parameters} by its value.
     *
     * @param endpoint the endpoint as the operator wrote it (e.g. "quiesce:consul-changes"), for the error message
     */
    public static void convert(Class<?> endpointType, String endpoint, Map<String, Object> parameters) {
        for (Field field : endpointType.getDeclaredFields()) {
            UriParam option = field.getAnnotation(UriParam.class);
            if (option == null) {
                continue;
            }
            String name = option.name().isEmpty() ? field.getName() : option.name();
            for (Iterator<Map.Entry<String, Object>> it = parameters.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Object> parameter = it.next();
                if (!parameter.getKey().equalsIgnoreCase(name) || !(parameter.getValue() instanceof String text)) {
                    continue;
                }
                if (field.getType() == Duration.class && text.isBlank()) {
                    it.remove(); // "maxWait: {{lbsync.wait.max}}" with the property left empty: the option's default
                } else {
                    parameter.setValue(convert(field.getType(), endpoint, name, text));
                }
            }
        }
    }

    private static Object convert(Class<?> type, String endpoint, String name, String text) {
        if (type == Duration.class) {
            try {
                return duration(name, text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(endpoint + ": " + e.getMessage()); // the whole story: no cause
            }
        }
        if (type == Set.class) {
            return list(text);
        }
        return text;
    }

    /**
     * A duration option: "250ms", "5s", "2m", "1h", a bare number of milliseconds, Camel's "1m30s" or ISO-8601 "PT5S".
     * Negative durations are refused.
     */
    public static Duration duration(String name, String text) {
        String value = text == null ? "" : text.trim();
        Duration d;
        if (COMBINED.matcher(value).matches()) {
            d = Duration.ZERO;
            for (Matcher m = PART.matcher(value); m.find(); ) {
                d = d.plus(Durations.parse(name, m.group()));
            }
        } else if (value.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                d = Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw notADuration(name, text);
            }
        } else {
            d = Durations.parse(name, value); // a bare number, or the error naming the option
        }
        if (d.isNegative()) {
            throw notADuration(name, text);
        }
        return d;
    }

    private static IllegalArgumentException notADuration(String name, String text) {
        return new IllegalArgumentException(name + ": '" + text + "' is not a duration (examples: 250ms, 5s, 2m, 1m30s)");
    }

    /** A comma-separated list option: "web, api" → {web, api}; blanks dropped, "" → empty. */
    public static Set<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Refuses {@code upper} shorter than {@code lower}, naming both options and their values. */
    public static void requireNotShorter(String endpoint, String upperName, Duration upper, String lowerName, Duration lower) {
        if (upper.compareTo(lower) < 0) {
            throw new IllegalArgumentException(endpoint + ": " + upperName + " (" + Durations.toConsul(upper) + ") is shorter than "
                    + lowerName + " (" + Durations.toConsul(lower) + ")");
        }
    }
}
