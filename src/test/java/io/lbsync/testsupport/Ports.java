package io.lbsync.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1, for proxies, sites and Karaf a test starts. They are taken below the kernel's
 * ephemeral range (ip_local_port_range), where the local end of an outgoing connection never lands: a port the
 * kernel picked (bind to 0) is one every outgoing connection of the test run could take before the started process
 * binds it — Karaf's sshd then failed to bind and never retried. Each port is handed out once per JVM.
 */
public final class Ports {
    /** Where the kernel's ephemeral range starts unless the machine says otherwise (Linux's default). */
    private static final int DEFAULT_EPHEMERAL_LOW = 32768;
    /** How many ports below the ephemeral range the tests may use. */
    private static final int SPAN = 12000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    /** The tests' ports: [LOW, HIGH), read from the kernel once. */
    private static final int HIGH = ephemeralLow();
    private static final int LOW = Math.max(1024, HIGH - SPAN);

    private Ports() {
    }

    /** A loopback port that was free a moment ago and was not handed out before in this JVM. */
    public static int free() throws IOException {
        if (HIGH - LOW < 1000) { // the ephemeral range covers (almost) every port: only the kernel can pick
            return kernelPick();
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            if (HANDED_OUT.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IOException("no free port on 127.0.0.1 between " + LOW + " and " + (HIGH - 1));
    }

    /** A free loopback port that is not in {@code taken} (ports some other code picked). */
    public static int freeExcept(Collection<Integer> taken) throws IOException {
        while (true) {
            int port = free();
            if (!taken.contains(port)) {
                return port;
            }
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int kernelPick() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            HANDED_OUT.add(s.getLocalPort());
            return s.getLocalPort();
        }
    }

    /** The first port of the kernel's ephemeral range: Linux's /proc, else the usual default. */
    static int ephemeralLow() {
        try {
            // read by lines: Files.readString returned only the first character of this /proc file (JDK 17)
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException unknown) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }
}
