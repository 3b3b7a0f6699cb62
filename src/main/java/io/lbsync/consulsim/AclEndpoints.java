package io.lbsync.consulsim;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * /v1/acl/token/self, as Consul 1.9 answers it: 401 "ACL support disabled" without ACLs; 403 "ACL not found" for no
 * token or an unknown one (the agent answers it itself: no "rpc error" prefix); the token otherwise.
 */
final class AclEndpoints {
    private final AclResolver acl;

    AclEndpoints(AclResolver acl) {
        this.acl = acl;
    }

    void addTo(Router r) {
        r.exact("/v1/acl/token/self", Set.of("GET"), this::self);
    }

    private ApiResponse self(ApiRequest req) throws ApiException {
        if (!acl.enabled()) {
            return ApiResponse.text(401, "ACL support disabled");
        }
        String secret = req.token();
        if (secret == null || secret.isEmpty() || !acl.knows(secret)) {
            return ApiResponse.text(403, "ACL not found");
        }
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("AccessorID", UUID.nameUUIDFromBytes(secret.getBytes(StandardCharsets.UTF_8)).toString());
        token.put("SecretID", secret);
        token.put("Description", "");
        token.put("Policies", List.of());
        token.put("Local", false);
        return ApiResponse.json(token, req.pretty());
    }
}
