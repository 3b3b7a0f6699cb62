package io.lbsync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal DNS client for tests: builds a query by hand, sends it over UDP, parses the answer (compression
 * pointers included). Written independently of the simulator's encoder, so it checks the wire format too.
 */
public final class DnsClient {
    public static final int A = 1;
    public static final int CNAME = 5;
    public static final int SOA = 6;
    public static final int AAAA = 28;
    public static final int SRV = 33;
    public static final int OPT = 41;
    public static final int ANY = 255;
    public static final int NOERROR = 0;
    public static final int NXDOMAIN = 3;

    private final InetSocketAddress server;

    /** @param hostPort "127.0.0.1:8600" */
    public DnsClient(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        this.server = new InetSocketAddress(hostPort.substring(0, colon).replaceAll("^\\[|\\]$", ""),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /**
     * One resource record; {@code data} is the text form: "10.0.0.1" (A/AAAA), "1 1 8080 target." (SRV),
     * "target." (CNAME), "ns. mbox. serial refresh retry expire minttl" (SOA), the UDP size (OPT).
     */
    public record Record(String name, int type, long ttl, String data) {
    }

    public record Answer(int id, int rcode, boolean authoritative, boolean truncated, boolean recursionAvailable,
                         List<String> question, List<Record> answer, List<Record> authority, List<Record> additional,
                         int size) {
        public List<Record> answer(int type) {
            return answer.stream().filter(r -> r.type() == type).toList();
        }

        public List<Record> additional(int type) {
            return additional.stream().filter(r -> r.type() == type).toList();
        }
    }

    /** A query without EDNS (a plain 512-byte UDP client). */
    public Answer query(String name, int type) {
        return query(name, type, 0);
    }

    /** A query announcing an EDNS0 UDP payload size (0 = no OPT record). */
    public Answer query(String name, int type, int ednsSize) {
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        byte[] q = buildQuery(id, name, type, ednsSize);
        return exchange(q, id);
    }

    /** Sends raw bytes; returns the raw answer, or null when none came within 2 s. */
    public byte[] exchangeRaw(byte[] query) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            s.send(new DatagramPacket(query, query.length, server));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return java.util.Arrays.copyOf(buf, p.getLength());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Answer exchange(byte[] query, int id) {
        byte[] raw = exchangeRaw(query);
        if (raw == null) {
            throw new IllegalStateException("no DNS answer from " + server);
        }
        Answer a = parse(raw);
        if (a.id() != id) {
            throw new IllegalStateException("answer id " + a.id() + " != query id " + id);
        }
        return a;
    }

    public static byte[] buildQuery(int id, String name, int type, int ednsSize) {
        Buf b = new Buf();
        b.u16(id);
        b.u16(0x0100); // RD, like stub resolvers send
        b.u16(1);
        b.u16(0);
        b.u16(0);
        b.u16(ednsSize > 0 ? 1 : 0);
        for (String label : name.replaceAll("\\.$", "").split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.u8(l.length);
            for (byte x : l) {
                b.u8(x);
            }
        }
        b.u8(0);
        b.u16(type);
        b.u16(1);
        if (ednsSize > 0) {
            b.u8(0); // root
            b.u16(OPT);
            b.u16(ednsSize);
            b.u16(0);
            b.u16(0);
            b.u16(0);
        }
        return b.bytes();
    }

    public static Answer parse(byte[] m) {
        int[] pos = {12};
        int flags = u16(m, 2);
        int qd = u16(m, 4);
        int an = u16(m, 6);
        int ns = u16(m, 8);
        int ar = u16(m, 10);
        List<String> question = new ArrayList<>();
        for (int i = 0; i < qd; i++) {
            question.add(name(m, pos) + " " + u16(m, pos[0]));
            pos[0] += 4;
        }
        List<Record> answer = records(m, pos, an);
        List<Record> authority = records(m, pos, ns);
        List<Record> additional = records(m, pos, ar);
        if (pos[0] != m.length) {
            throw new IllegalStateException("trailing bytes after the records: " + (m.length - pos[0]));
        }
        return new Answer(u16(m, 0), flags & 0xF, (flags & 0x0400) != 0, (flags & 0x0200) != 0, (flags & 0x0080) != 0,
                question, answer, authority, additional, m.length);
    }

    private static List<Record> records(byte[] m, int[] pos, int count) {
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String owner = name(m, pos);
            int type = u16(m, pos[0]);
            int rclass = u16(m, pos[0] + 2);
            long ttl = ((long) u16(m, pos[0] + 4) << 16) | u16(m, pos[0] + 6);
            int len = u16(m, pos[0] + 8);
            int start = pos[0] + 10;
            int[] p = {start};
            String data = switch (type) {
                case A, AAAA -> ip(java.util.Arrays.copyOfRange(m, start, start + len));
                case SRV -> u16(m, start) + " " + u16(m, start + 2) + " " + u16(m, start + 4) + " " + name(m, new int[] {start + 6});
                case CNAME -> name(m, p);
                case SOA -> {
                    String nsName = name(m, p);
                    String mbox = name(m, p);
                    StringBuilder sb = new StringBuilder(nsName + " " + mbox);
                    for (int k = 0; k < 5; k++) {
                        sb.append(' ').append(((long) u16(m, p[0]) << 16) | u16(m, p[0] + 2));
                        p[0] += 4;
                    }
                    yield sb.toString();
                }
                case OPT -> String.valueOf(rclass);
                default -> "?" + len;
            };
            pos[0] = start + len;
            out.add(new Record(owner, type, type == OPT ? 0 : ttl, data));
        }
        return out;
    }

    private static String name(byte[] m, int[] pos) {
        StringBuilder sb = new StringBuilder();
        int p = pos[0];
        boolean jumped = false;
        for (int hops = 0; hops < 100; hops++) {
            int len = m[p] & 0xFF;
            if (len == 0) {
                if (!jumped) {
                    pos[0] = p + 1;
                }
                return sb.length() == 0 ? "." : sb.toString();
            }
            if ((len & 0xC0) == 0xC0) {
                if (!jumped) {
                    pos[0] = p + 2;
                }
                jumped = true;
                p = ((len & 0x3F) << 8) | (m[p + 1] & 0xFF);
                continue;
            }
            sb.append(new String(m, p + 1, len, StandardCharsets.US_ASCII)).append('.');
            p += 1 + len;
        }
        throw new IllegalStateException("name compression loop");
    }

    private static int u16(byte[] m, int at) {
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }

    private static String ip(byte[] b) {
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Buf {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        void u8(int v) {
            out.write(v & 0xFF);
        }

        void u16(int v) {
            u8(v >> 8);
            u8(v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
