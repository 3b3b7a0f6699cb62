package io.lbsync.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Ports on 127.0.0.1 for the demo: the usual one when it is free, so the printed URLs stay the same, else any free one. */
final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** {@code preferred} if nothing listens on 127.0.0.1:preferred (or on every address) a moment ago, else a free port. */
    static int preferredOrFree(int preferred) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", preferred));
            return preferred;
        } catch (IOException taken) {
            return free();
        }
    }

    static int free() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
