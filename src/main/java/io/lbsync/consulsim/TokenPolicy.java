package io.lbsync.consulsim;

/**
 * What an ACL token may do, per resource kind (Consul's service/node/key/agent/session rules for the "" prefix).
 * Deliberately coarse: rights apply to every name of that kind.
 */
public record TokenPolicy(boolean management, Access service, Access node, Access key, Access agent, Access session) {

    /** Consul's rule levels, weakest first. */
    public enum Access {
        DENY, READ, WRITE;

        boolean canRead() {
            return this != DENY;
        }

        boolean canWrite() {
            return this == WRITE;
        }
    }

    /** The master (bootstrap) token's rights: everything. */
    public static final TokenPolicy MANAGEMENT = new TokenPolicy(true, Access.WRITE, Access.WRITE, Access.WRITE, Access.WRITE,
            Access.WRITE);

    /** The anonymous token under default-deny: nothing. */
    public static final TokenPolicy DENY_ALL = new TokenPolicy(false, Access.DENY, Access.DENY, Access.DENY, Access.DENY,
            Access.DENY);

    public TokenPolicy {
        if (service == null || node == null || key == null || agent == null || session == null) {
            throw new IllegalArgumentException("every access level must be given");
        }
    }

    /** A policy without a session rule: no session rights under default deny, unless it is a management token. */
    public TokenPolicy(boolean management, Access service, Access node, Access key, Access agent) {
        this(management, service, node, key, agent, management ? Access.WRITE : Access.DENY);
    }

    /** service, node, key, agent and session read: what a watcher needs. */
    public static TokenPolicy readOnly() {
        return new TokenPolicy(false, Access.READ, Access.READ, Access.READ, Access.READ, Access.READ);
    }

    public TokenPolicy withServiceWrite() {
        return new TokenPolicy(management, Access.WRITE, node, key, agent, session);
    }

    public TokenPolicy withNodeWrite() {
        return new TokenPolicy(management, service, Access.WRITE, key, agent, session);
    }

    public TokenPolicy withKeyWrite() {
        return new TokenPolicy(management, service, node, Access.WRITE, agent, session);
    }

    public TokenPolicy withAgentWrite() {
        return new TokenPolicy(management, service, node, key, Access.WRITE, session);
    }

    /** Create, renew and destroy sessions (Consul's session_prefix "" { policy = "write" }). */
    public TokenPolicy withSessionWrite() {
        return new TokenPolicy(management, service, node, key, agent, Access.WRITE);
    }
}
