package io.lbsync.consulsim;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** The shared pieces every endpoint works with: one state store, catalog, KV, sessions, ACLs, and the agents. */
final class Cluster {
    final String datacenter;
    final StateStore store;
    final Catalog catalog;
    final KvStore kv;
    final Sessions sessions;
    final AclResolver acl;
    final BlockingQuery blocking;
    private final Map<String, LocalAgent> agents = new LinkedHashMap<>();

    Cluster(String datacenter, StateStore store, AclResolver acl) {
        this.datacenter = datacenter;
        this.store = store;
        this.kv = new KvStore(store);
        this.sessions = new Sessions(store, kv);
        this.catalog = new Catalog(store, sessions);
        this.acl = acl;
        this.blocking = new BlockingQuery(store);
    }

    void addAgent(LocalAgent agent) {
        agents.put(agent.nodeName(), agent);
    }

    LocalAgent agent(String nodeName) {
        LocalAgent a = agents.get(nodeName);
        if (a == null) {
            throw new IllegalArgumentException("no agent named " + nodeName + "; agents: " + agents.keySet());
        }
        return a;
    }

    Collection<LocalAgent> agents() {
        return agents.values();
    }

    /** The first agent acts as the (single) server and leader. */
    LocalAgent server() {
        return agents.values().iterator().next();
    }
}
