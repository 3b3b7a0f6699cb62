package io.lbsync.render;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Values from Consul are written by whoever can register a service: untrusted. Only values that match a strict
 * shape reach a config file, so none can become config syntax (no spaces, newlines, quotes, '#', ';', braces).
 */
public final class SafeValues {
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern UNSAFE_ID_CHARS = Pattern.compile("[^A-Za-z0-9_.-]");
    private static final int MAX_ID = 100;

    private SafeValues() {
    }

    /**
     * An IPv4 literal or a DNS name as given, an IPv6 literal in its canonical form (RFC 5952: lower case, the
     * longest run of zero groups as "::"), else empty. The canonical form matters: nginx 1.22 refuses some valid
     * spellings ("1:2:3:4:5:6:7::", a "::" standing for one group) and with them the whole config.
     */
    public static Optional<String> address(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        if (isIpv4(raw) || isDnsName(raw)) {
            return Optional.of(raw);
        }
        return ipv6(raw).map(SafeValues::canonical);
    }

    private static Optional<java.net.Inet6Address> ipv6(String raw) {
        if (!IPV6.matcher(raw).matches() || raw.indexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            // Only hex digits, ':' and '.' got here, so this parses a literal and never resolves a name.
            return java.net.InetAddress.getByName(raw) instanceof java.net.Inet6Address a ? Optional.of(a) : Optional.empty();
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** RFC 5952 text of an IPv6 address: groups without leading zeros, the first longest run (2+) of zero groups as "::". */
    static String canonical(java.net.Inet6Address address) {
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    /** A dotted-quad IPv4 literal, without leading zeros (which some resolvers read as octal). */
    public static boolean isIpv4(String raw) {
        if (raw == null || raw.length() < 7 || raw.length() > 15) {
            return false;
        }
        int octets = 0;
        int i = 0;
        int n = raw.length();
        while (i < n) {
            int start = i;
            int value = 0;
            while (i < n && raw.charAt(i) >= '0' && raw.charAt(i) <= '9') {
                value = value * 10 + raw.charAt(i) - '0';
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && raw.charAt(start) == '0')) {
                return false;
            }
            octets++;
            if (i == n) {
                break;
            }
            if (raw.charAt(i) != '.' || octets == 4) {
                return false;
            }
            i++;
            if (i == n) {
                return false; // a trailing dot
            }
        }
        return octets == 4;
    }

    public static boolean isIpv6(String raw) {
        return raw != null && ipv6(raw).isPresent();
    }

    /**
     * Labels of letters, digits and inner '-', 1-63 characters, joined by '.', at most 253 characters, one trailing
     * '.' allowed; the last label not all digits (999.1.1.1 is a mistyped IPv4 address, not a name). A loop, not a
     * regular expression: it runs for every instance of every render.
     */
    public static boolean isDnsName(String raw) {
        int n = raw.endsWith(".") ? raw.length() - 1 : raw.length();
        if (n <= 0 || raw.length() > 253) {
            return false;
        }
        int labelStart = 0;
        boolean allDigits = true;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? raw.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length < 1 || length > 63 || raw.charAt(labelStart) == '-' || raw.charAt(i - 1) == '-') {
                    return false;
                }
                if (i < n) {
                    labelStart = i + 1;
                    allDigits = true;
                }
                continue;
            }
            boolean digit = c >= '0' && c <= '9';
            if (!(digit || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-')) {
                return false;
            }
            allDigits &= digit;
        }
        return !allDigits;
    }

    /**
     * A host name a frontend may route on: a DNS name or a "*." wildcard over one, lower-cased. Checked as ASCII
     * before lower-casing: Unicode lower-cases some letters into ASCII ones (the Kelvin sign into "k").
     */
    public static Optional<String> hostName(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) >= 0x80) {
                return Optional.empty();
            }
        }
        String host = raw.trim().toLowerCase(Locale.ROOT);
        String rest = host.startsWith("*.") ? host.substring(2) : host;
        return isDnsName(rest) ? Optional.of(host) : Optional.empty();
    }

    public static boolean validPort(int port) {
        return port >= 1 && port <= 65535;
    }

    /** An untrusted value made safe for a key=value log line: no spaces, quotes or line breaks; '/' kept. */
    public static String forLog(String raw) {
        String s = (raw == null ? "" : raw).replaceAll("[^A-Za-z0-9_./:-]", "_");
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /**
     * An untrusted value shown exactly but harmlessly: in double quotes, with \\, \", \n, \t and other control or
     * non-ASCII characters as \\uXXXX escapes (as a JSON string), cut after 200 characters. For log lines and messages
     * that must say which odd name was meant.
     */
    public static String escapedForLog(String raw) {
        String s = raw == null ? "" : raw;
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 200);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append(s.length() > n ? "...\"" : "\"").toString();
    }

    /** Free text (an error message) made safe for a quoted log value: no double quotes, no control characters. */
    public static String quotedForLog(String raw) {
        String s = (raw == null ? "" : raw).replace('"', '\'').replaceAll("\\p{Cntrl}", " ");
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static boolean onlyIdentifierChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** A name usable as a backend/server/upstream name: unsafe characters become '_', never empty. */
    public static String identifier(String raw) {
        if (raw != null && !raw.isEmpty() && raw.length() <= MAX_ID && onlyIdentifierChars(raw)) {
            return raw; // the usual case, without a copy
        }
        String id = UNSAFE_ID_CHARS.matcher(raw == null ? "" : raw).replaceAll("_");
        if (id.length() > MAX_ID) {
            id = id.substring(0, MAX_ID);
        }
        return id.isEmpty() ? "_" : id;
    }
}
