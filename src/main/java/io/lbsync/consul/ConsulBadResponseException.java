package io.lbsync.consul;

/** An answer that is not what Consul sends: not JSON, truncated, "null" where data is due, a header that is no number. */
public final class ConsulBadResponseException extends RuntimeException {
    public ConsulBadResponseException(String path, String problem) {
        super("the answer to " + path + " is not Consul's: " + problem);
    }
}
