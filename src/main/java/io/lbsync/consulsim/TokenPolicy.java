package io.lbsync.consulsim;

/**
 * What an ACL token may do, per resource kind (Consul's service/node/key/agent rules for the "" prefix).
 * Deliberately coarse: rights apply to every name of that kind.
 */
public record TokenPolicy(boolean management, Access service, Access node, Access key, Access agent) {

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
    public static final TokenPolicy MANAGEMENT = new TokenPolicy(true, Access.WRITE, Access.WRITE, Access.WRITE, Access.WRITE);

    /** The anonymous token under default-deny: nothing. */
    public static final TokenPolicy DENY_ALL = new TokenPolicy(false, Access.DENY, Access.DENY, Access.DENY, Access.DENY);

    public TokenPolicy {
        if (service == null || node == null || key == null || agent == null) {
            throw new IllegalArgumentException("every access level must be given");
        }
    }

    /** service, node, key and agent read: what a watcher needs. */
    public static TokenPolicy readOnly() {
        return new TokenPolicy(false, Access.READ, Access.READ, Access.READ, Access.READ);
    }

    public TokenPolicy withServiceWrite() {
        return new TokenPolicy(management, Access.WRITE, node, key, agent);
    }

    public TokenPolicy withNodeWrite() {
        return new TokenPolicy(management, service, Access.WRITE, key, agent);
    }

    public TokenPolicy withKeyWrite() {
        return new TokenPolicy(management, service, node, Access.WRITE, agent);
    }

    public TokenPolicy withAgentWrite() {
        return new TokenPolicy(management, service, node, key, Access.WRITE);
    }
}
