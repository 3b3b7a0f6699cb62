package io.lbsync.config;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed access to lbsync properties. Every lookup names the property in its error, so an operator
 * sees which line of application.properties (or which LBSYNC_* variable) is wrong.
 */
public final class Settings {
    private final Function<String, Optional<String>> lookup;

    public Settings(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    /** Trimmed value, empty when unset or blank. */
    public Optional<String> optional(String name) {
        return lookup.apply(name).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String string(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public boolean bool(String name, boolean defaultValue) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return switch (v.get().toLowerCase()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + ": '" + v.get() + "' must be true or false");
        };
    }

    public int integer(String name, int defaultValue) {
        Optional<String> v = optional(name);
        try {
            return v.isEmpty() ? defaultValue : Integer.parseInt(v.get());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + v.get() + "' is not a whole number");
        }
    }

    public Duration duration(String name, String defaultValue) {
        return Durations.parse(name, string(name, defaultValue));
    }

    /** A property that is present but may be deliberately blank (blank = feature off), e.g. a reload command. */
    public String raw(String name, String defaultValue) {
        return lookup.apply(name).map(String::trim).orElse(defaultValue);
    }
}
