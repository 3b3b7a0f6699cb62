package io.lbsync.consulsim;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/** Parses and prints durations the way Go's time.ParseDuration does ("10s", "1m30s", "250ms"), because Consul does. */
final class GoDuration {
    private static final Map<String, Long> UNIT_NANOS = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /** @throws IllegalArgumentException with Go's wording when the text is not a Go duration */
    static Duration parse(String text) {
        String s = text;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalid(text);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int numberStart = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(numberStart, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw invalid(text);
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(unitStart, i);
            if (unit.isEmpty()) {
                throw new IllegalArgumentException("time: missing unit in duration \"" + text + "\"");
            }
            Long unitNanos = UNIT_NANOS.get(unit);
            if (unitNanos == null) {
                throw new IllegalArgumentException("time: unknown unit \"" + unit + "\" in duration \"" + text + "\"");
            }
            String normalized = number.startsWith(".") ? "0" + number : number.endsWith(".") ? number + "0" : number;
            nanos = nanos.add(new BigDecimal(normalized).multiply(BigDecimal.valueOf(unitNanos)));
        }
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw invalid(text);
        }
        long value = nanos.longValue();
        return Duration.ofNanos(negative ? -value : value);
    }

    /** Shortest exact Go-parsable text, e.g. "10s" or "1500ms". */
    static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return nanos + "ns";
    }

    /** Go's Duration.String(), e.g. "10s", "1.5s", "250ms", "24h0m0s", which some Consul error bodies quote. */
    static String goString(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        String sign = nanos < 0 ? "-" : "";
        long u = Math.abs(nanos);
        if (u < 1_000L) {
            return sign + u + "ns";
        }
        if (u < 1_000_000L) {
            return sign + decimal(u, 1_000L) + "\u00b5s";
        }
        if (u < 1_000_000_000L) {
            return sign + decimal(u, 1_000_000L) + "ms";
        }
        String seconds = decimal(u % 60_000_000_000L, 1_000_000_000L) + "s";
        long minutes = u / 60_000_000_000L;
        if (minutes == 0) {
            return sign + seconds;
        }
        long hours = minutes / 60;
        return sign + (hours > 0 ? hours + "h" : "") + minutes % 60 + "m" + seconds;
    }

    /** value / unit with the fraction's trailing zeros (and a bare point) dropped, as Go's fmtFrac prints it. */
    private static String decimal(long value, long unit) {
        long fraction = value % unit;
        if (fraction == 0) {
            return Long.toString(value / unit);
        }
        int digits = Long.toString(unit).length() - 1;
        String text = String.format("%0" + digits + "d", fraction).replaceAll("0+$", "");
        return value / unit + "." + text;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("time: invalid duration \"" + text + "\"");
    }
}
