package io.lbsync.watch;

/**
 * Consul's answer for one service that will not change on retry: the service can be registered but not read back
 * (a name "." or "..": no URL path can carry it). Fails that service alone (docs/isolation.md), like the 4xx
 * answers {@link ServiceReadFailures} recognises.
 */
public class ServiceUnreadableException extends RuntimeException {
    public ServiceUnreadableException(String message, Throwable cause) {
        super(message, cause);
    }
}
