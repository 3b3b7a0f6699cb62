package io.lbsync.watch;

import io.lbsync.consul.ConsulHttpException;

/**
 * Which failed reads of one service concern that service alone (and will fail the same way when retried), as
 * opposed to Consul or the connection being unwell, which concerns every service.
 */
final class ServiceReadFailures {
    private ServiceReadFailures() {
    }

    /**
     * True for: a 3xx or 4xx answer other than 401/403/407 (the token, not the service), 408 and 429 (try again);
     * a request that cannot be made for this name ({@link ServiceUnreadableException}).
     */
    static boolean concernsOnlyTheService(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ServiceUnreadableException) {
                return true;
            }
            if (t instanceof ConsulHttpException he) {
                int code = he.status();
                return code >= 300 && code < 500 && code != 401 && code != 403 && code != 407 && code != 408 && code != 429;
            }
            if (t instanceof ConsulUnavailableException) {
                return false;
            }
        }
        return false;
    }
}
