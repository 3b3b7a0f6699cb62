package io.lbsync.consulsim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One Consul agent's local state: the services and checks it owns. Changes are pushed to the catalog at once
 * (Consul's SyncChanges); {@link AntiEntropy} repairs the catalog from this state periodically.
 * Validation and error texts follow Consul 1.10's agent endpoints.
 */
final class LocalAgent {
    static final int OUTPUT_MAX_SIZE = 4096;
    /** Consul's structs.ServiceMaintPrefix and NodeMaint, and the notes it writes when no reason is given. */
    static final String SERVICE_MAINTENANCE_PREFIX = "_service_maintenance:";
    static final String NODE_MAINTENANCE_CHECK_ID = "_node_maintenance";
    static final String DEFAULT_SERVICE_MAINTENANCE_REASON =
            "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";
    static final String DEFAULT_NODE_MAINTENANCE_REASON =
            "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.";

    private final String nodeName;
    private final String nodeAddress;
    private final String datacenter;
    private final boolean server;
    private final StateStore store;
    private final AntiEntropy antiEntropy;
    private final TtlWatchdog ttlWatchdog;
    private final TreeMap<String, LocalService> services = new TreeMap<>();
    private final TreeMap<String, LocalCheck> checks = new TreeMap<>();
    /** Removed locally, not yet removed from the catalog. */
    final Set<String> deletedServices = new TreeSet<>();
    final Set<String> deletedChecks = new TreeSet<>();
    private volatile boolean running;

    LocalAgent(String nodeName, String nodeAddress, String datacenter, boolean server,
               StateStore store, AntiEntropy antiEntropy, TtlWatchdog ttlWatchdog) {
        this.nodeName = nodeName;
        this.nodeAddress = nodeAddress;
        this.datacenter = datacenter;
        this.server = server;
        this.store = store;
        this.antiEntropy = antiEntropy;
        this.ttlWatchdog = ttlWatchdog;
    }

    String nodeName() {
        return nodeName;
    }

    String nodeAddress() {
        return nodeAddress;
    }

    String datacenter() {
        return datacenter;
    }

    boolean isServer() {
        return server;
    }

    boolean isRunning() {
        return running;
    }

    /** Stable per node name, like the node-id file a real agent keeps. */
    String nodeId() {
        return UUID.nameUUIDFromBytes(("consul-sim/" + nodeName).getBytes(StandardCharsets.UTF_8)).toString();
    }

    // ---- lifecycle ----

    void start() {
        store.locked(() -> {
            running = true;
            // A restarted agent gives every TTL check a fresh countdown.
            checks.values().stream().filter(LocalCheck::hasTtl).forEach(c -> ttlWatchdog.arm(this, c));
        });
        antiEntropy.syncFull(this);
        antiEntropy.schedule(this);
    }

    void stop() {
        running = false;
        antiEntropy.cancel(this);
    }

    // ---- agent API operations ----

    void register(ServiceDefinition def, boolean replaceExistingChecks, TokenPolicy policy) throws ApiException {
        if (def.name().isEmpty()) {
            throw ApiException.badRequest("Missing service name");
        }
        String weightsProblem = def.weights() == null ? null : def.weights().problem();
        if (weightsProblem != null) {
            throw ApiException.badRequest("Invalid Weights: " + weightsProblem);
        }
        for (CheckDefinition c : def.checks()) {
            if (!c.status().isEmpty() && !CatalogCheck.validStatus(c.status())) {
                throw ApiException.badRequest("Status for checks must 'passing', 'warning', 'critical'");
            }
            if (c.ttl() == null || c.ttl().isNegative() || c.ttl().isZero()) {
                throw ApiException.badRequest("Invalid check: TTL must be > 0 for TTL checks");
            }
        }
        if (!policy.service().canWrite()) {
            throw ApiException.permissionDenied("Missing service:write on " + def.name());
        }
        String id = def.effectiveId();
        store.locked(() -> {
            requireRunning();
            ServiceDefinition normalized = new ServiceDefinition(id, def.name(), def.tags(), def.address(), def.port(),
                    def.meta(), def.checks(), def.effectiveWeights());
            services.put(id, new LocalService(normalized));
            deletedServices.remove(id);
            Set<String> newCheckIds = new TreeSet<>();
            List<CheckDefinition> defs = def.checks();
            for (int i = 0; i < defs.size(); i++) {
                LocalCheck check = newCheck(normalized, defs.get(i), i, defs.size());
                newCheckIds.add(check.id);
                checks.put(check.id, check);
                deletedChecks.remove(check.id);
                ttlWatchdog.arm(this, check);
            }
            if (replaceExistingChecks) {
                for (LocalCheck old : List.copyOf(checks.values())) {
                    if (old.serviceId.equals(id) && !newCheckIds.contains(old.id)) {
                        removeCheck(old.id);
                    }
                }
            }
            // Tags may have changed: every check of the service carries them.
            checks.values().stream().filter(c -> c.serviceId.equals(id)).forEach(c -> c.inSync = false);
        });
        antiEntropy.syncChanges(this);
    }

    /** Builds a check like Consul's AddService, carrying over the status of a same-ID check (snapshotCheckState). */
    private LocalCheck newCheck(ServiceDefinition svc, CheckDefinition def, int position, int count) {
        String checkId = def.id();
        if (checkId.isEmpty()) {
            checkId = "service:" + svc.id() + (count > 1 ? ":" + (position + 1) : "");
        }
        String name = def.name().isEmpty() ? "Service '" + svc.name() + "' check" : def.name();
        String status = def.status().isEmpty() ? CatalogCheck.CRITICAL : def.status();
        String output = "";
        LocalCheck previous = checks.get(checkId);
        if (previous != null) {
            status = previous.status;
            output = previous.output;
        }
        return new LocalCheck(checkId, name, svc.id(), svc.name(), def.notes(), def.ttl(), status, output);
    }

    void deregister(String serviceId, TokenPolicy policy, boolean aclEnabled) throws ApiException {
        ApiException error = store.locked(() -> {
            requireRunning();
            LocalService existing = services.get(serviceId);
            if (existing == null) {
                // Consul 1.9: without ACLs an unknown ID is a no-op (200)
                return aclEnabled ? unknownServiceWithAcls(serviceId) : null;
            }
            ApiException refused = vetServiceWrite(existing, policy);
            if (refused != null) {
                return refused;
            }
            services.remove(serviceId);
            deletedServices.add(serviceId);
            for (LocalCheck c : List.copyOf(checks.values())) {
                if (c.serviceId.equals(serviceId)) {
                    checks.remove(c.id);
                    c.ttlGeneration++;
                }
            }
            return null;
        });
        if (error != null) {
            throw error;
        }
        antiEntropy.syncChanges(this);
    }

    /** Consul 1.9's vetting of a service update with ACLs on, for an ID the agent does not have. */
    private static ApiException unknownServiceWithAcls(String serviceId) {
        // the vetting step formats a structs.ServiceID value with %q, hence the odd braces (500)
        return ApiException.internal("Unknown service {\"" + serviceId + "\" {}}");
    }

    private static ApiException vetServiceWrite(LocalService service, TokenPolicy policy) {
        return policy.service().canWrite() ? null
                : ApiException.permissionDenied("Missing service:write on " + service.definition.name());
    }

    /**
     * PUT /v1/agent/service/maintenance/:id: enabling adds the critical check "_service_maintenance:&lt;id&gt;" (kept
     * as it is when already there), disabling removes it. An unknown ID: 404 without ACLs; with ACLs the vetting
     * step answers first (500), as for a deregistration.
     */
    void serviceMaintenance(String serviceId, boolean enable, String reason, TokenPolicy policy, boolean aclEnabled)
            throws ApiException {
        ApiException error = store.locked(() -> {
            requireRunning();
            LocalService service = services.get(serviceId);
            if (service == null) {
                return aclEnabled ? unknownServiceWithAcls(serviceId)
                        : ApiException.notFound("No service registered with ID \"" + serviceId + "\"");
            }
            ApiException refused = vetServiceWrite(service, policy);
            if (refused != null) {
                return refused;
            }
            String checkId = SERVICE_MAINTENANCE_PREFIX + serviceId;
            if (enable) {
                addMaintenanceCheck(LocalCheck.maintenance(checkId, "Service Maintenance Mode", serviceId,
                        service.definition.name(), reason.isEmpty() ? DEFAULT_SERVICE_MAINTENANCE_REASON : reason));
            } else {
                removeCheck(checkId);
            }
            return null;
        });
        if (error != null) {
            throw error;
        }
        antiEntropy.syncChanges(this);
    }

    /** PUT /v1/agent/maintenance: the node's critical check "_node_maintenance" (node:write needed). */
    void nodeMaintenance(boolean enable, String reason, TokenPolicy policy) throws ApiException {
        if (!policy.node().canWrite()) {
            throw ApiException.permissionDenied();
        }
        store.locked(() -> {
            requireRunning();
            if (enable) {
                addMaintenanceCheck(LocalCheck.maintenance(NODE_MAINTENANCE_CHECK_ID, "Node Maintenance Mode", "", "",
                        reason.isEmpty() ? DEFAULT_NODE_MAINTENANCE_REASON : reason));
            } else {
                removeCheck(NODE_MAINTENANCE_CHECK_ID);
            }
        });
        antiEntropy.syncChanges(this);
    }

    /** Consul keeps an existing maintenance check as it is: enabling twice does not change the reason. */
    private void addMaintenanceCheck(LocalCheck check) {
        if (!checks.containsKey(check.id)) {
            checks.put(check.id, check);
            deletedChecks.remove(check.id);
        }
    }

    /** pass/warn/fail/update of a TTL check. */
    void updateCheck(String checkId, String status, String output, TokenPolicy policy, boolean aclEnabled) throws ApiException {
        ApiException error = store.locked(() -> {
            requireRunning();
            LocalCheck check = checks.get(checkId);
            if (check == null) {
                // 1.10: with ACLs the vetting step fails first; without, the TTL lookup does.
                return ApiException.internal(aclEnabled
                        ? "Unknown check \"" + checkId + "\""
                        : "CheckID \"" + checkId + "\" does not have associated TTL");
            }
            boolean allowed = check.serviceId.isEmpty() ? policy.node().canWrite() : policy.service().canWrite();
            if (!allowed) {
                return ApiException.permissionDenied();
            }
            if (!check.hasTtl()) {
                return ApiException.internal("CheckID \"" + checkId + "\" does not have associated TTL");
            }
            String truncated = truncate(output);
            check.lastTtlOutput = truncated;
            ttlWatchdog.arm(this, check);
            setStatus(check, status, truncated);
            return null;
        });
        if (error != null) {
            throw error;
        }
        antiEntropy.syncChanges(this);
    }

    /** Called by the watchdog; ignored when the check was refreshed, removed, or the agent is down. */
    void expireTtl(String checkId, long generation) {
        boolean changed = store.locked(() -> {
            LocalCheck check = checks.get(checkId);
            if (!running || check == null || check.ttlGeneration != generation) {
                return false;
            }
            String output = check.lastTtlOutput.isEmpty()
                    ? "TTL expired"
                    : "TTL expired (last output before timeout follows): " + check.lastTtlOutput;
            return setStatus(check, CatalogCheck.CRITICAL, output);
        });
        if (changed) {
            antiEntropy.syncChanges(this);
        }
    }

    private boolean setStatus(LocalCheck check, String status, String output) {
        if (check.status.equals(status) && check.output.equals(output)) {
            return false;
        }
        check.status = status;
        check.output = output;
        check.inSync = false;
        return true;
    }

    private void removeCheck(String checkId) {
        LocalCheck c = checks.remove(checkId);
        if (c != null) {
            c.ttlGeneration++;
            deletedChecks.add(checkId);
        }
    }

    private static String truncate(String output) {
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= OUTPUT_MAX_SIZE) {
            return output;
        }
        String head = new String(bytes, 0, OUTPUT_MAX_SIZE, StandardCharsets.UTF_8);
        return head + " ... (captured " + OUTPUT_MAX_SIZE + " of " + bytes.length + " bytes)";
    }

    private void requireRunning() {
        if (!running) {
            throw new IllegalStateException("agent " + nodeName + " is stopped");
        }
    }

    // ---- views (state-store lock held by caller) ----

    Collection<LocalService> services() {
        return List.copyOf(services.values());
    }

    LocalService service(String id) {
        return services.get(id);
    }

    Collection<LocalCheck> checks() {
        return List.copyOf(checks.values());
    }

    CatalogNode catalogNode() {
        Map<String, String> tagged = Map.of("lan", nodeAddress, "lan_ipv4", nodeAddress, "wan", nodeAddress, "wan_ipv4", nodeAddress);
        return new CatalogNode(nodeName, nodeId(), nodeAddress, datacenter, tagged, Map.of("consul-network-segment", ""), 0, 0);
    }

    CatalogService catalogService(LocalService s) {
        return CatalogService.of(nodeName, s.definition);
    }

    CatalogCheck catalogCheck(LocalCheck c) {
        List<String> tags = new ArrayList<>();
        LocalService svc = services.get(c.serviceId);
        if (svc != null) {
            tags.addAll(svc.definition.tags());
        }
        return new CatalogCheck(nodeName, c.id, c.name, c.status, c.notes, c.output, c.serviceId, c.serviceName,
                tags, c.type, 0, 0);
    }
}
