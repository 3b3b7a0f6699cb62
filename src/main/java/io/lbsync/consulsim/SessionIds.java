package io.lbsync.consulsim;

import java.util.HexFormat;

/**
 * Consul's state store indexes sessions by UUID: an ID that is not one fails the lookup with go-memdb's
 * UUIDFieldIndex message (500), before "not found" could be said.
 */
final class SessionIds {
    private SessionIds() {
    }

    /** Throws the 500 real Consul 1.9 answers for an ID that is not a UUID; {@code prefix} is the endpoint's own. */
    static void requireUuid(String id, String prefix) throws ApiException {
        String problem = problem(id);
        if (problem != null) {
            throw ApiException.rpc(prefix + "failed session lookup: index error: " + problem);
        }
    }

    private static String problem(String id) {
        if (id.length() != 36) {
            return "UUID must be 36 characters";
        }
        long hyphens = id.chars().filter(c -> c == '-').count();
        if (hyphens > 4) {
            return "UUID should have maximum of 4 \"-\"; got " + hyphens;
        }
        String hex = id.replace("-", "");
        if (hex.length() % 2 != 0) {
            return "Input (without hyphens) must be even length";
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (Character.digit(c, 16) < 0) {
                return String.format("Invalid UUID: encoding/hex: invalid byte: U+%04X '%c'", (int) c, c);
            }
        }
        HexFormat.of().parseHex(hex); // cannot fail any more
        return null;
    }
}
