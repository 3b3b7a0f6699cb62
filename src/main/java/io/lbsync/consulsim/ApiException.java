package io.lbsync.consulsim;

/** An HTTP error answer with Consul's status code and plain-text body. */
final class ApiException extends Exception {
    private final int status;
    private final boolean fromServerRpc;

    ApiException(int status, String body) {
        this(status, body, false);
    }

    private ApiException(int status, String body, boolean fromServerRpc) {
        super(body, null, false, false);
        this.status = status;
        this.fromServerRpc = fromServerRpc;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String body) {
        return new ApiException(400, body);
    }

    /** Consul 1.10's acl.ErrPermissionDenied text (later versions append the token's AccessorID). */
    static ApiException permissionDenied() {
        return new ApiException(403, "Permission denied");
    }

    /** Consul 1.9's agent service endpoints say which right is missing. */
    static ApiException permissionDenied(String cause) {
        return new ApiException(403, "Permission denied: " + cause);
    }

    static ApiException aclNotFound() {
        return new ApiException(403, "ACL not found");
    }

    static ApiException notFound(String body) {
        return new ApiException(404, body);
    }

    /** An agent's own error: 500 with the error text. */
    static ApiException internal(String body) {
        return new ApiException(500, body);
    }

    /**
     * An error of an endpoint the servers execute (catalog, KV, session writes): 500 with the error text, which a client
     * agent forwarding the call prefixes with "rpc error making call: " (real Consul 1.9; a server answers it bare).
     */
    static ApiException rpc(String body) {
        return new ApiException(500, body, true);
    }

    boolean fromServerRpc() {
        return fromServerRpc;
    }
}
