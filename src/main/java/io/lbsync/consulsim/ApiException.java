package io.lbsync.consulsim;

/** An HTTP error answer with Consul's status code and plain-text body. */
final class ApiException extends Exception {
    private final int status;

    ApiException(int status, String body) {
        super(body, null, false, false);
        this.status = status;
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

    static ApiException aclNotFound() {
        return new ApiException(403, "ACL not found");
    }

    static ApiException notFound(String body) {
        return new ApiException(404, body);
    }

    /** Errors from Consul's RPC layer surface as 500 with the error text. */
    static ApiException internal(String body) {
        return new ApiException(500, body);
    }
}
