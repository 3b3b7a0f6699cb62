package io.lbsync.consulsim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a request's token secret into rights, like Consul with ACLs enabled and default policy "deny":
 * no token = anonymous = nothing; an unknown secret = 403 "ACL not found". ACLs off = everything allowed.
 */
final class AclResolver {
    private final boolean enabled;
    private final Map<String, TokenPolicy> tokens = new ConcurrentHashMap<>();

    AclResolver(String masterToken) {
        this.enabled = masterToken != null;
        if (enabled) {
            tokens.put(masterToken, TokenPolicy.MANAGEMENT);
        }
    }

    boolean enabled() {
        return enabled;
    }

    void addToken(String secretId, TokenPolicy policy) {
        if (!enabled) {
            throw new IllegalStateException("ACLs are disabled: build the simulator with aclMasterToken(...)");
        }
        tokens.put(secretId, policy);
    }

    /** True for a secret Consul would find (the anonymous token is not one a client can present). */
    boolean knows(String secret) {
        return tokens.containsKey(secret);
    }

    TokenPolicy resolve(String secret) throws ApiException {
        if (!enabled) {
            return TokenPolicy.MANAGEMENT;
        }
        if (secret == null || secret.isEmpty() || secret.equals("anonymous")) {
            return TokenPolicy.DENY_ALL;
        }
        TokenPolicy policy = tokens.get(secret);
        if (policy == null) {
            throw ApiException.aclNotFound();
        }
        return policy;
    }
}
