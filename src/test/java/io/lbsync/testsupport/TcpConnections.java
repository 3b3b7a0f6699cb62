package io.lbsync.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Open TCP connections as Consul's http_max_conns_per_client counts them: server-side sockets of the agent's HTTP
 * port in state ESTABLISHED, per client IP, idle keep-alive connections included. Read from /proc/net/tcp and
 * /proc/net/tcp6 (Linux), so it sees every connection to that port on this machine, from any process. Unlike
 * {@code ConsulSimulator.activeConnections}, which counts requests in flight, this also sees pooled idle connections.
 */
public final class TcpConnections {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private TcpConnections() {
    }

    public static boolean available() {
        return Files.isReadable(TABLES.get(0));
    }

    /**
     * ESTABLISHED connections accepted on {@code serverIpv4}:{@code serverPort} whose peer is {@code clientIpv4} (e.g.
     * 127.0.0.1); a server address that is not an IPv4 literal (a host name, 0.0.0.0) matches any local address.
     */
    public static int established(String serverIpv4, int serverPort, String clientIpv4) {
        String v4 = hexIpv4(clientIpv4);
        String mapped = "0000000000000000FFFF0000" + v4;
        String port = String.format(Locale.ROOT, "%04X", serverPort);
        String localSuffix = serverIpv4.matches("\\d+\\.\\d+\\.\\d+\\.\\d+") && !serverIpv4.equals("0.0.0.0")
                ? hexIpv4(serverIpv4) + ":" + port : ":" + port;
        int count = 0;
        for (Path table : TABLES) {
            String text;
            try {
                text = Files.readString(table);
            } catch (IOException e) {
                continue;
            }
            // hand-made tokenizer: the table has thousands of lines (TIME_WAIT of other processes) and is sampled often
            int pos = text.indexOf('\n') + 1;
            String[] f = new String[4];
            while (pos > 0 && pos < text.length()) {
                int end = text.indexOf('\n', pos);
                if (end < 0) {
                    end = text.length();
                }
                int n = 0;
                int i = pos;
                while (n < 4 && i < end) {
                    while (i < end && text.charAt(i) == ' ') {
                        i++;
                    }
                    int start = i;
                    while (i < end && text.charAt(i) != ' ') {
                        i++;
                    }
                    if (start < i) {
                        f[n++] = text.substring(start, i);
                    }
                }
                if (n == 4 && "01".equals(f[3]) && f[1].endsWith(localSuffix)) {
                    String remoteIp = f[2].substring(0, f[2].indexOf(':'));
                    if (remoteIp.equals(v4) || remoteIp.equals(mapped)) {
                        count++;
                    }
                }
                pos = end + 1;
            }
        }
        return count;
    }

    /** /proc/net/tcp writes an IPv4 address as one little-endian 32-bit word: 127.0.0.1 → 0100007F. */
    private static String hexIpv4(String ip) {
        String[] b = ip.split("\\.");
        return String.format(Locale.ROOT, "%02X%02X%02X%02X", Integer.parseInt(b[3]), Integer.parseInt(b[2]),
                Integer.parseInt(b[1]), Integer.parseInt(b[0]));
    }
}
