package io.lbsync.testsupport;

import io.lbsync.consulsim.TokenPolicy;
import io.lbsync.consulsim.TokenPolicy.Access;

/** A simulator {@link TokenPolicy} as Consul ACL rules (HCL), for the same token on a real Consul. */
final class AclRules {
    private AclRules() {
    }

    static String of(TokenPolicy p) {
        return rule("service_prefix", p.service()) + rule("node_prefix", p.node()) + rule("key_prefix", p.key())
                + rule("agent_prefix", p.agent()) + rule("session_prefix", p.session());
    }

    private static String rule(String resource, Access access) {
        return access == Access.DENY ? "" : resource + " \"\" { policy = \"" + access.name().toLowerCase(java.util.Locale.ROOT) + "\" }\n";
    }
}
