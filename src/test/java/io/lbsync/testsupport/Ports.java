package io.lbsync.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** Free TCP ports on loopback, for proxies and sites a test starts. */
public final class Ports {
    private final Set<Integer> handedOut = new HashSet<>();

    /** A loopback port that was free a moment ago. */
    public static int free() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** A free loopback port, not in {@code taken} and different from every port this instance handed out before. */
    public int freeExcept(Collection<Integer> taken) throws IOException {
        while (true) {
            int port = free();
            if (!taken.contains(port) && handedOut.add(port)) {
                return port;
            }
        }
    }
}
