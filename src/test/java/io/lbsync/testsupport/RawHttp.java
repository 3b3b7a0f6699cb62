package io.lbsync.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/** Plain HTTP/1.1 GET requests over a socket to 127.0.0.1, with a chosen Host header (to reach a proxy's routing). */
public final class RawHttp {
    private RawHttp() {
    }

    public record Reply(int status, String body) {
        /** The body (a test backend's name) for a 200, else "status:body". */
        public String label() {
            return status == 200 ? body : status + ":" + body;
        }
    }

    /** GET / on a new connection (Connection: close) to 127.0.0.1:port with the given Host header. */
    public static Reply request(int port, String host) throws IOException {
        return request(port, host, "/");
    }

    /** GET path on a new connection (Connection: close) to 127.0.0.1:port with the given Host header. */
    public static Reply request(int port, String host, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: lbsync-it\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
                throw new IOException("not an HTTP response: '" + text + "'");
            }
            int sep = text.indexOf("\r\n\r\n");
            return new Reply(Integer.parseInt(text.substring(9, 12)), sep < 0 ? "" : text.substring(sep + 4));
        }
    }

    /** How many of {@code count} requests for {@code path} each answer got (see {@link Reply#label()}), sorted. */
    public static java.util.Map<String, Integer> tally(int port, String host, String path, int count) throws IOException {
        java.util.Map<String, Integer> served = new java.util.TreeMap<>();
        for (int i = 0; i < count; i++) {
            served.merge(request(port, host, path).label(), 1, Integer::sum);
        }
        return served;
    }

    /** Who answered {@code count} requests to GET / (see {@link Reply#label()}). */
    public static Set<String> servedBy(int port, String host, int count) throws IOException {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            seen.add(request(port, host).label());
        }
        return seen;
    }
}
