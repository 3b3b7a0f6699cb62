package io.lbsync.consulsim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The DNS wire format (RFC 1035, EDNS0 of RFC 6891) for the few things the simulated Consul DNS interface needs:
 * reading a query, writing an answer with A, AAAA, SRV, CNAME, SOA and OPT records. Owner names and the names
 * inside CNAME/SOA data are compressed (as Consul's DNS library does); SRV targets never are (RFC 2782).
 */
final class DnsWire {
    static final int TYPE_A = 1;
    static final int TYPE_NS = 2;
    static final int TYPE_CNAME = 5;
    static final int TYPE_SOA = 6;
    static final int TYPE_TXT = 16;
    static final int TYPE_AAAA = 28;
    static final int TYPE_SRV = 33;
    static final int TYPE_OPT = 41;
    static final int TYPE_ANY = 255;
    static final int CLASS_IN = 1;

    static final int RCODE_OK = 0;
    static final int RCODE_FORMERR = 1;
    static final int RCODE_NXDOMAIN = 3;
    static final int RCODE_NOTIMP = 4;
    static final int RCODE_REFUSED = 5;

    private DnsWire() {
    }

    /** Thrown for a datagram that is not a well-formed query. */
    static final class FormatException extends Exception {
        FormatException(String message) {
            super(message);
        }
    }

    /**
     * One question of a query.
     *
     * @param name     as sent (case kept), absolute, with the trailing dot
     * @param ednsSize the requester's UDP payload size from its OPT record; 0 = no EDNS
     */
    record Query(int id, int opcode, boolean recursionDesired, String name, int type, int qclass, int ednsSize) {
        boolean edns() {
            return ednsSize > 0;
        }
    }

    /** The record data writer of one resource record. */
    interface RData {
        void write(Writer out);
    }

    /** A resource record; {@code rclass} is the UDP size for OPT. */
    record Rr(String name, int type, int rclass, long ttl, RData data, String text) {
        static Rr a(String name, byte[] ipv4, long ttl) {
            return new Rr(name, TYPE_A, CLASS_IN, ttl, out -> out.bytes(ipv4), "A " + ipText(ipv4));
        }

        static Rr aaaa(String name, byte[] ipv6, long ttl) {
            return new Rr(name, TYPE_AAAA, CLASS_IN, ttl, out -> out.bytes(ipv6), "AAAA " + ipText(ipv6));
        }

        static Rr srv(String name, int priority, int weight, int port, String target, long ttl) {
            return new Rr(name, TYPE_SRV, CLASS_IN, ttl, out -> {
                out.u16(priority);
                out.u16(weight);
                out.u16(port);
                out.name(target, false);
            }, "SRV " + priority + " " + weight + " " + port + " " + target);
        }

        static Rr cname(String name, String target, long ttl) {
            return new Rr(name, TYPE_CNAME, CLASS_IN, ttl, out -> out.name(target, true), "CNAME " + target);
        }

        static Rr soa(String zone, long serial) {
            // Consul's defaults: refresh 3600, retry 600, expire 86400, min TTL 0 (also the record's TTL)
            return new Rr(zone, TYPE_SOA, CLASS_IN, 0, out -> {
                out.name("ns." + zone, true);
                out.name("hostmaster." + zone, true);
                out.u32(serial);
                out.u32(3600);
                out.u32(600);
                out.u32(86400);
                out.u32(0);
            }, "SOA");
        }

        static Rr opt(int udpSize) {
            return new Rr(".", TYPE_OPT, udpSize, 0, out -> { }, "OPT " + udpSize);
        }

        /** Identity for de-duplication (name case ignored). */
        String key() {
            return name.toLowerCase(Locale.ROOT) + " " + text;
        }

        private static String ipText(byte[] ip) {
            try {
                return java.net.InetAddress.getByAddress(ip).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }

    /** An answer: header flags, the question echoed, and the three record sections. */
    static final class Response {
        final Query query;
        int rcode;
        boolean truncated;
        /** An empty NOERROR answer is a NODATA answer (it then carries the zone's SOA). */
        boolean nodata;
        final List<Rr> answer = new ArrayList<>();
        final List<Rr> authority = new ArrayList<>();
        final List<Rr> additional = new ArrayList<>();

        Response(Query query) {
            this.query = query;
        }

        byte[] encode(boolean compress) {
            Writer out = new Writer(compress);
            out.u16(query.id());
            int flags = 0x8000 | (query.opcode() << 11) | 0x0400; // QR, opcode, AA (Consul is authoritative)
            if (truncated) {
                flags |= 0x0200;
            }
            if (query.recursionDesired()) {
                flags |= 0x0100;
            }
            flags |= rcode & 0xF; // RA stays 0: no recursors
            out.u16(flags);
            out.u16(1);
            out.u16(answer.size());
            out.u16(authority.size());
            out.u16(additional.size());
            out.name(query.name(), true);
            out.u16(query.type());
            out.u16(query.qclass());
            for (List<Rr> section : List.of(answer, authority, additional)) {
                for (Rr rr : section) {
                    out.record(rr);
                }
            }
            return out.toByteArray();
        }
    }

    /** A growable buffer that knows where each name suffix was written, for compression pointers. */
    static final class Writer {
        private byte[] buf = new byte[512];
        private int size;
        private final Map<String, Integer> suffixes = new HashMap<>();
        private final boolean compress;

        Writer(boolean compress) {
            this.compress = compress;
        }

        private void u8(int v) {
            if (size == buf.length) {
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            }
            buf[size++] = (byte) v;
        }

        void u16(int v) {
            u8(v >> 8);
            u8(v);
        }

        void u32(long v) {
            u16((int) (v >>> 16));
            u16((int) v);
        }

        void bytes(byte[] b) {
            for (byte x : b) {
                u8(x);
            }
        }

        void name(String name, boolean compressible) {
            String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            String[] labels = n.isEmpty() ? new String[0] : n.split("\\.");
            for (int i = 0; i < labels.length; i++) {
                String suffix = String.join(".", java.util.Arrays.copyOfRange(labels, i, labels.length)).toLowerCase(Locale.ROOT);
                Integer at = suffixes.get(suffix);
                if (compress && compressible && at != null) {
                    u16(0xC000 | at);
                    return;
                }
                if (size < 0x3FFF) {
                    suffixes.putIfAbsent(suffix, size);
                }
                byte[] label = labels[i].getBytes(StandardCharsets.US_ASCII);
                u8(label.length);
                bytes(label);
            }
            u8(0);
        }

        void record(Rr rr) {
            name(rr.name(), true);
            u16(rr.type());
            u16(rr.rclass());
            u32(rr.ttl());
            int lengthAt = size;
            u16(0);
            rr.data().write(this);
            int length = size - lengthAt - 2;
            buf[lengthAt] = (byte) (length >> 8);
            buf[lengthAt + 1] = (byte) length;
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, size);
        }
    }

    /** Reads a query: its header, its one question and (if any) its EDNS0 OPT record. */
    static Query parseQuery(byte[] msg, int length) throws FormatException {
        Reader in = new Reader(msg, length);
        int id = in.u16();
        int flags = in.u16();
        if ((flags & 0x8000) != 0) {
            throw new FormatException("not a query");
        }
        int qd = in.u16();
        int an = in.u16();
        int ns = in.u16();
        int ar = in.u16();
        if (qd != 1) {
            throw new FormatException("expected one question, got " + qd);
        }
        String name = in.name();
        int type = in.u16();
        int qclass = in.u16();
        for (int i = 0; i < an + ns; i++) {
            in.skipRecord();
        }
        int ednsSize = 0;
        for (int i = 0; i < ar; i++) {
            in.name();
            int rrType = in.u16();
            int rrClass = in.u16();
            in.u32();
            in.skip(in.u16());
            if (rrType == TYPE_OPT) {
                ednsSize = Math.max(rrClass, 512); // RFC 6891: values below 512 are treated as 512
            }
        }
        return new Query(id, (flags >> 11) & 0xF, (flags & 0x0100) != 0, name, type, qclass, ednsSize);
    }

    private static final class Reader {
        private final byte[] msg;
        private final int length;
        private int pos;

        Reader(byte[] msg, int length) {
            this.msg = msg;
            this.length = length;
        }

        int u8() throws FormatException {
            if (pos >= length) {
                throw new FormatException("message too short");
            }
            return msg[pos++] & 0xFF;
        }

        int u16() throws FormatException {
            return (u8() << 8) | u8();
        }

        long u32() throws FormatException {
            return ((long) u16() << 16) | u16();
        }

        void skip(int n) throws FormatException {
            if (pos + n > length) {
                throw new FormatException("message too short");
            }
            pos += n;
        }

        void skipRecord() throws FormatException {
            name();
            skip(8);
            skip(u16());
        }

        /** A possibly compressed name, as an absolute name with a trailing dot ("." for the root). */
        String name() throws FormatException {
            StringBuilder sb = new StringBuilder();
            int p = pos;
            boolean jumped = false;
            for (int hops = 0; ; hops++) {
                if (hops > 127 || p >= length) {
                    throw new FormatException("bad name");
                }
                int len = msg[p] & 0xFF;
                if (len == 0) {
                    p++;
                    break;
                }
                if ((len & 0xC0) == 0xC0) {
                    if (p + 1 >= length) {
                        throw new FormatException("bad name pointer");
                    }
                    int target = ((len & 0x3F) << 8) | (msg[p + 1] & 0xFF);
                    if (!jumped) {
                        pos = p + 2;
                        jumped = true;
                    }
                    p = target;
                    continue;
                }
                if ((len & 0xC0) != 0 || p + 1 + len > length) {
                    throw new FormatException("bad label");
                }
                sb.append(new String(msg, p + 1, len, StandardCharsets.ISO_8859_1)).append('.');
                p += 1 + len;
                if (sb.length() > 255) {
                    throw new FormatException("name too long");
                }
            }
            if (!jumped) {
                pos = p;
            }
            return sb.length() == 0 ? "." : sb.toString();
        }
    }
}
