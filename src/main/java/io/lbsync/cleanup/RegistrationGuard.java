package io.lbsync.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.model.ConsulState;
import io.lbsync.model.ConsulStateStore;
import io.lbsync.model.ServiceInstance;
import io.lbsync.render.SafeValues;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consul's two registration calls, made safe for clients that reach Consul through a load balancer (which would
 * register one service ID on a random agent each time). A registration goes to one deterministic agent — the
 * agent on the instance's own address, else the alive agent a rendezvous hash of the ID picks — and copies of
 * that ID on other agents are then deregistered on their own agents. Registering first means there is never a
 * moment without any registration. A deregistration removes the ID from every agent holding it.
 * <p>
 * The caller's ACL token (X-Consul-Token, Authorization: Bearer or ?token=) is used for every change, so the
 * guard never lets anyone do more than their own token allows; lbsync's token only reads the topology.
 */
public final class RegistrationGuard {
    private static final Logger LOG = LoggerFactory.getLogger(RegistrationGuard.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConsulClient api;
    private final CatalogReads reads;
    private final AgentUrls urls;
    private final ConsulStateStore state;

    public RegistrationGuard(ConsulClient api, CatalogReads reads, AgentUrls urls, ConsulStateStore state) {
        this.api = api;
        this.reads = reads;
        this.urls = urls;
        this.state = state;
    }

    /** PUT /v1/agent/service/register: the body is Consul's service definition, passed on unchanged. */
    public void register(Exchange exchange) {
        Message in = exchange.getMessage();
        byte[] body = in.getBody(byte[].class);
        Registration r;
        try {
            r = Registration.parse(body == null ? new byte[0] : body);
        } catch (IllegalArgumentException e) {
            answer(in, 400, "Request decode failed: " + e.getMessage());
            return;
        }
        ConsulClient caller = api.withToken(callerToken(in));
        CatalogReads.Node target = choose(r, reads.aliveAgents());
        URI agent = urls.forNode(target.name(), target.address());
        String replace = in.getHeader("replace-existing-checks", String.class);
        ConsulResponse answer = caller.put(agent, "/v1/agent/service/register"
                + (replace == null ? "" : "?replace-existing-checks=" + ConsulClient.segment(replace)), body);
        if (!answer.ok()) {
            answer(in, answer.status(), answer.body());
            return;
        }
        List<String> problems = removeCopies(r, target.name(), new OwningAgent(caller, urls));
        LOG.info("event=guarded-registration service={} id={} node={} removed_elsewhere_failures={}",
                SafeValues.forLog(r.name()), SafeValues.forLog(r.id()), SafeValues.forLog(target.name()), problems.size());
        in.setHeader("X-Lbsync-Agent", target.name());
        answer(in, 200, "");
    }

    /** PUT /v1/agent/service/deregister/:id: removed from every agent that holds the ID (as the watched catalog shows). */
    public void deregister(Exchange exchange) {
        Message in = exchange.getMessage();
        String path = in.getHeader(Exchange.HTTP_PATH, String.class);
        String id = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        if (id.isEmpty()) {
            answer(in, 400, "Missing service ID");
            return;
        }
        OwningAgent owners = new OwningAgent(api.withToken(callerToken(in)), urls);
        List<String> problems = new ArrayList<>();
        for (ServiceInstance i : instancesWithId(id)) {
            try {
                owners.remove(new Copy(i.service(), i.id(), i.node(), i.nodeAddress(), i.address(), i.port(), i.passing(), 0));
            } catch (RuntimeException e) {
                problems.add(i.node() + ": " + e.getMessage());
            }
        }
        answer(in, problems.isEmpty() ? 200 : 500, String.join("\n", problems));
    }

    /** The instance's own agent when one is alive at its address, else the highest rendezvous hash of ID and node. */
    static CatalogReads.Node choose(Registration r, List<CatalogReads.Node> alive) {
        if (alive.isEmpty()) {
            throw new IllegalStateException("no alive Consul agent to register on");
        }
        Optional<CatalogReads.Node> local = alive.stream().filter(n -> !r.address().isEmpty() && n.address().equals(r.address()))
                .min(Comparator.comparing(CatalogReads.Node::name));
        return local.orElseGet(() -> alive.stream()
                .max(Comparator.comparing((CatalogReads.Node n) -> score(r.id(), n.name())).thenComparing(CatalogReads.Node::name))
                .orElseThrow());
    }

    private static long score(String id, String node) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((id + "\n" + node).getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | (d[i] & 0xff);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> removeCopies(Registration r, String keptNode, OwningAgent owners) {
        List<String> problems = new ArrayList<>();
        for (Copy c : reads.service(r.name()).withId(r.id())) {
            if (c.node().equals(keptNode)) {
                continue;
            }
            try {
                owners.remove(c);
            } catch (RuntimeException e) {
                problems.add(c.node() + ": " + e.getMessage());
                LOG.warn("event=guarded-registration-copy-left service={} id={} node={} error=\"{}\" (the cleanup route retries)",
                        SafeValues.forLog(r.name()), SafeValues.forLog(r.id()), SafeValues.forLog(c.node()),
                        SafeValues.quotedForLog(e.getMessage()));
            }
        }
        return problems;
    }

    private List<ServiceInstance> instancesWithId(String id) {
        ConsulState s = state.current();
        if (s == null) {
            return List.of();
        }
        return s.catalog().services().values().stream().flatMap(svc -> svc.instances().stream())
                .filter(i -> i.id().equals(id)).toList();
    }

    private static Optional<String> callerToken(Message in) {
        String header = in.getHeader("X-Consul-Token", String.class);
        if (header == null) {
            String auth = in.getHeader("Authorization", String.class);
            header = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : in.getHeader("token", String.class);
        }
        return Optional.ofNullable(header).map(String::trim).filter(t -> !t.isEmpty());
    }

    private static void answer(Message in, int status, String body) {
        // never echo request headers (the caller's token) back
        in.removeHeaders("*", Exchange.HTTP_RESPONSE_CODE, "X-Lbsync-Agent");
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
        in.setBody(body);
    }

    /** What the guard needs from a service definition: Consul takes the Name as ID when no ID is given. */
    record Registration(String id, String name, String address) {
        static Registration parse(byte[] body) {
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalArgumentException("not JSON");
            }
            if (json == null || !json.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String name = field(json, "Name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("Missing service name");
            }
            String id = field(json, "ID");
            return new Registration(id.isEmpty() ? name : id, name, field(json, "Address"));
        }

        /** Consul (Go's encoding/json) matches field names case-insensitively: so do we. */
        private static String field(JsonNode json, String name) {
            for (var it = json.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equalsIgnoreCase(name) && e.getValue().isTextual()) {
                    return e.getValue().asText().trim();
                }
            }
            return "";
        }
    }
}
