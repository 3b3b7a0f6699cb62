package io.lbsync.consulsim;

import io.lbsync.consulsim.DnsWire.Query;
import io.lbsync.consulsim.DnsWire.Response;
import io.lbsync.consulsim.DnsWire.Rr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Consul's DNS interface (UDP), as a Consul 1.10 agent with default {@code dns_config} answers it, for the
 * {@code consul.} domain:
 * <ul>
 * <li>{@code [tag.]<service>.service[.<dc>].consul} and RFC 2782 {@code _<service>._<tag|tcp>.service[.<dc>].consul}:
 * A/AAAA records of the instances that are not critical (every check, node checks included; warning counts
 * unless {@code onlyPassing}, like {@code dns_config.only_passing}), in random order, one per distinct address;
 * for SRV one record per instance (priority 1, the service port, weight = the service's Weights.Passing, or
 * Weights.Warning while a check warns) whose target is
 * {@code <hex-ip>.addr.<dc>.consul.} (service address) or {@code <node>.node.<dc>.consul.} (node address), with
 * the target's A/AAAA record in the additional section;</li>
 * <li>{@code <node>.node[.<dc>].consul} and {@code <hex-ip>.addr[.<dc>].consul}: the address.</li>
 * </ul>
 * TTL 0 ({@code service_ttl}/{@code node_ttl} unset). No instance left, unknown names, unknown datacenters:
 * NXDOMAIN with the zone's SOA in the authority section; a known name without a record of the asked type: NOERROR
 * with the SOA (NODATA). Names outside {@code consul.} are REFUSED (no recursors). With ACLs enabled the DNS
 * interface reads with the anonymous token, so under default-deny every service and node is NXDOMAIN.
 * <p>
 * UDP size rules (Consul's {@code trimUDPResponse}): without EDNS, or with an EDNS size of 512, at most
 * {@code udp_answer_limit} = 3 answers; otherwise as many answers as fit in the requester's EDNS payload size
 * (minus 8 bytes), additional records trimmed to match. The TC bit is NOT set ({@code enable_truncate} = false by
 * default): a client silently sees fewer instances.
 */
final class DnsServer {
    static final String DOMAIN = "consul.";
    /** Consul's dns_config.udp_answer_limit default. */
    static final int UDP_ANSWER_LIMIT = 3;
    private static final int MAX_UDP_ANSWER_LIMIT = 8;
    private static final int MAX_UDP_SIZE = 65535 - 68;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final Cluster cluster;
    private final String bindAddress;
    private final boolean onlyPassing;
    private int port;
    private DatagramSocket socket;

    DnsServer(Cluster cluster, String bindAddress, int port, boolean onlyPassing) {
        this.cluster = cluster;
        this.bindAddress = bindAddress;
        this.port = port;
        this.onlyPassing = onlyPassing;
    }

    /** Binds the UDP port (the same one again after a stop) and answers on a daemon thread. */
    synchronized void start() {
        if (socket != null) {
            return;
        }
        try {
            DatagramSocket s = new DatagramSocket(null);
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bindAddress, port));
            port = s.getLocalPort();
            socket = s;
            Thread t = new Thread(() -> serve(s), "consul-sim-dns");
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for DNS on udp " + bindAddress + ":" + port, e);
        }
    }

    synchronized void stop() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    synchronized int port() {
        return port;
    }

    private void serve(DatagramSocket s) {
        byte[] buf = new byte[65535];
        while (!s.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                s.receive(packet);
                byte[] answer = answer(buf, packet.getLength());
                if (answer != null) {
                    s.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (s.isClosed()) {
                    return;
                }
                // one bad exchange never stops the server
            }
        }
    }

    /** The answer datagram for one query datagram; null when there is nothing to answer. */
    byte[] answer(byte[] msg, int length) {
        Query q;
        try {
            q = DnsWire.parseQuery(msg, length);
        } catch (DnsWire.FormatException e) {
            return formatError(msg, length);
        }
        Response r = new Response(q);
        String name = q.name().toLowerCase(Locale.ROOT);
        if (q.opcode() != 0) {
            r.rcode = DnsWire.RCODE_NOTIMP;
        } else if (!name.equals(DOMAIN) && !name.endsWith("." + DOMAIN)) {
            r.rcode = DnsWire.RCODE_REFUSED;
        } else {
            cluster.store.locked(() -> dispatch(q, name.substring(0, name.length() - DOMAIN.length()), r));
            if (r.rcode == DnsWire.RCODE_NXDOMAIN || (r.rcode == DnsWire.RCODE_OK && r.answer.isEmpty() && r.nodata)) {
                r.authority.add(Rr.soa(DOMAIN, System.currentTimeMillis() / 1000));
            }
        }
        trimUdp(r);
        if (q.edns()) {
            r.additional.add(Rr.opt(q.ednsSize()));
        }
        return r.encode(true);
    }

    private static byte[] formatError(byte[] msg, int length) {
        if (length < 12 || (msg[2] & 0x80) != 0) {
            return null;
        }
        byte[] out = new byte[12];
        out[0] = msg[0];
        out[1] = msg[1];
        out[2] = (byte) (0x80 | (msg[2] & 0x78) | (msg[2] & 0x01)); // QR, opcode, RD
        out[3] = DnsWire.RCODE_FORMERR;
        return out;
    }

    // ---- names ----

    private void dispatch(Query q, String relative, Response r) {
        String[] labels = relative.isEmpty() ? new String[0] : relative.substring(0, relative.length() - 1).split("\\.");
        int kindAt = -1;
        for (int i = labels.length - 1; i >= 0 && kindAt < 0; i--) {
            if (labels[i].equals("service") || labels[i].equals("node") || labels[i].equals("addr")) {
                kindAt = i;
            }
        }
        if (kindAt < 1 || labels.length - kindAt - 1 > 1) {
            r.rcode = DnsWire.RCODE_NXDOMAIN;
            return;
        }
        String dc = cluster.datacenter;
        if (labels.length - kindAt - 1 == 1) {
            dc = labels[labels.length - 1];
            if (!dc.equalsIgnoreCase(cluster.datacenter)) {
                r.rcode = DnsWire.RCODE_NXDOMAIN; // no path to that datacenter
                return;
            }
        }
        String[] parts = java.util.Arrays.copyOfRange(labels, 0, kindAt);
        switch (labels[kindAt]) {
            case "service" -> service(q, parts, dc, r);
            case "node" -> node(q, String.join(".", parts), r);
            default -> addr(q, parts, r);
        }
    }

    private boolean canRead() {
        return !cluster.acl.enabled(); // the DNS interface uses the anonymous token; default-deny reads nothing
    }

    private void service(Query q, String[] parts, String dc, Response r) {
        String service;
        String tag;
        if (parts.length == 2 && parts[0].startsWith("_") && parts[1].startsWith("_")) {
            service = parts[0].substring(1);
            tag = parts[1].substring(1).equals("tcp") ? "" : parts[1].substring(1);
        } else {
            service = parts[parts.length - 1];
            tag = String.join(".", java.util.Arrays.copyOfRange(parts, 0, parts.length - 1));
        }
        List<CatalogService> instances = new ArrayList<>();
        if (canRead()) {
            for (String name : cluster.catalog.serviceNames().keySet()) {
                if (!name.equalsIgnoreCase(service)) {
                    continue;
                }
                for (CatalogService s : cluster.catalog.instances(name)) {
                    if ((tag.isEmpty() || s.tags().stream().anyMatch(tag::equalsIgnoreCase)) && healthy(s)) {
                        instances.add(s);
                    }
                }
            }
        }
        if (instances.isEmpty()) {
            r.rcode = DnsWire.RCODE_NXDOMAIN;
            return;
        }
        Collections.shuffle(instances, ThreadLocalRandom.current());
        if (q.type() == DnsWire.TYPE_SRV) {
            srvRecords(q, instances, dc, r);
        } else {
            addressRecords(q, instances, r);
        }
        r.nodata = true;
    }

    private boolean healthy(CatalogService s) {
        for (CatalogCheck c : cluster.catalog.healthChecksOf(s)) {
            if (c.status().equals(CatalogCheck.CRITICAL) || (onlyPassing && !c.status().equals(CatalogCheck.PASSING))) {
                return false;
            }
        }
        return true;
    }

    /** Consul's findWeight: the Warning weight while any check warns, else the Passing one (critical ones are gone). */
    private int srvWeight(CatalogService s) {
        boolean warning = cluster.catalog.healthChecksOf(s).stream().anyMatch(c -> c.status().equals(CatalogCheck.WARNING));
        return warning ? s.weights().warning() : s.weights().passing();
    }

    private String nodeAddress(CatalogService s) {
        return cluster.catalog.node(s.node()).map(CatalogNode::address).orElse("");
    }

    private void addressRecords(Query q, List<CatalogService> instances, Response r) {
        Set<String> seen = new LinkedHashSet<>();
        Rr firstCname = null;
        for (CatalogService s : instances) {
            String address = s.address().isEmpty() ? nodeAddress(s) : s.address();
            byte[] ip = ipLiteral(address);
            if (ip == null) {
                if (firstCname == null && !address.isEmpty()) {
                    firstCname = Rr.cname(q.name(), fqdn(address), 0);
                }
                continue;
            }
            Rr rr = addressRecord(q.type(), q.name(), ip);
            if (rr != null && seen.add(rr.key())) {
                r.answer.add(rr);
            }
        }
        if (r.answer.isEmpty() && firstCname != null) {
            r.answer.add(firstCname);
        }
    }

    private void srvRecords(Query q, List<CatalogService> instances, String dc, Response r) {
        Set<String> handled = new LinkedHashSet<>();
        for (CatalogService s : instances) {
            if (!handled.add(s.node() + ":" + s.address() + ":" + s.port())) {
                continue;
            }
            String target;
            byte[] ip;
            if (s.address().isEmpty()) {
                String nodeAddress = nodeAddress(s);
                ip = ipLiteral(nodeAddress);
                target = ip != null ? s.node() + ".node." + dc + "." + DOMAIN : fqdn(nodeAddress);
            } else {
                ip = ipLiteral(s.address());
                target = ip != null ? HexFormat.of().formatHex(ip) + ".addr." + dc + "." + DOMAIN : fqdn(s.address());
            }
            r.answer.add(Rr.srv(q.name(), 1, srvWeight(s), s.port(), target, 0));
            if (ip != null) {
                // one additional record per SRV record, repeated when instances share an address, like Consul
                // (HAProxy pairs each additional record with one SRV record); trimming de-duplicates them
                r.additional.add(addressRecord(DnsWire.TYPE_SRV, target, ip));
            }
        }
    }

    private void node(Query q, String nodeName, Response r) {
        CatalogNode node = null;
        if (canRead()) {
            for (CatalogNode n : cluster.catalog.nodes()) {
                if (n.name().equalsIgnoreCase(nodeName)) {
                    node = n;
                }
            }
        }
        if (node == null) {
            r.rcode = DnsWire.RCODE_NXDOMAIN;
            return;
        }
        int t = q.type();
        if (t != DnsWire.TYPE_ANY && t != DnsWire.TYPE_A && t != DnsWire.TYPE_AAAA && t != DnsWire.TYPE_TXT) {
            return;
        }
        byte[] ip = ipLiteral(node.address());
        if (ip == null) {
            r.answer.add(Rr.cname(q.name(), fqdn(node.address()), 0));
        } else if (t != DnsWire.TYPE_TXT) {
            Rr rr = addressRecord(t, q.name(), ip);
            if (rr != null) {
                r.answer.add(rr);
            }
        }
    }

    private void addr(Query q, String[] parts, Response r) {
        byte[] ip = parts.length == 1 && (parts[0].length() == 8 || parts[0].length() == 32) ? hex(parts[0]) : null;
        if (ip == null) {
            r.rcode = DnsWire.RCODE_NXDOMAIN;
            return;
        }
        boolean v4 = ip.length == 4;
        Rr rr = v4 ? Rr.a(q.name(), ip, 0) : Rr.aaaa(q.name(), ip, 0);
        boolean asked = q.type() == DnsWire.TYPE_ANY || q.type() == (v4 ? DnsWire.TYPE_A : DnsWire.TYPE_AAAA);
        (asked ? r.answer : r.additional).add(rr);
    }

    // ---- records ----

    /** A for IPv4, AAAA for IPv6, when the query type allows it (Consul's makeARecord); else null. */
    private static Rr addressRecord(int qtype, String owner, byte[] ip) {
        boolean any = qtype == DnsWire.TYPE_SRV || qtype == DnsWire.TYPE_ANY || qtype == DnsWire.TYPE_NS || qtype == DnsWire.TYPE_TXT;
        if (ip.length == 4) {
            return any || qtype == DnsWire.TYPE_A ? Rr.a(owner, ip, 0) : null;
        }
        return any || qtype == DnsWire.TYPE_AAAA ? Rr.aaaa(owner, ip, 0) : null;
    }

    /** The bytes of an IP literal (4 for IPv4, 16 for IPv6), or null for anything else. Never resolves a name. */
    static byte[] ipLiteral(String address) {
        if (address == null || !(IPV4.matcher(address).matches() || IPV6.matcher(address).matches())) {
            return null;
        }
        try {
            byte[] b = InetAddress.getByName(address).getAddress();
            return b;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] hex(String s) {
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String fqdn(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    // ---- UDP size limits ----

    /** Consul's trimUDPResponse: the answer limit without EDNS, then the payload size; additional records follow. */
    private static void trimUdp(Response r) {
        Query q = r.query;
        int maxSize = q.edns() ? Math.min(Math.max(512, q.ednsSize()), MAX_UDP_SIZE) : 512;
        Map<String, Rr> index = new LinkedHashMap<>();
        r.additional.forEach(rr -> index.putIfAbsent(rr.name().toLowerCase(Locale.ROOT), rr));
        boolean hasExtra = !r.additional.isEmpty();
        boolean compress = true;
        int maxAnswers = Math.min(MAX_UDP_ANSWER_LIMIT, UDP_ANSWER_LIMIT);
        if (maxSize == 512 && r.answer.size() > maxAnswers) {
            compress = false; // sized uncompressed, sent compressed, like Consul
            keepAnswers(r, maxAnswers, index, hasExtra);
        }
        if (r.answer.size() > 1 && length(r, compress) > maxSize - 8) {
            r.authority.clear();
            List<Rr> all = List.copyOf(r.answer);
            int lo = 1;
            int hi = all.size();
            while (lo < hi) { // the largest count that fits (at least one answer is always sent)
                int mid = (lo + hi + 1) / 2;
                r.answer.clear();
                r.answer.addAll(all.subList(0, mid));
                if (hasExtra) {
                    syncExtra(r, index);
                }
                if (length(r, compress) <= maxSize - 8) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            keepAnswers(r, lo, index, hasExtra, all);
        }
    }

    private static void keepAnswers(Response r, int count, Map<String, Rr> index, boolean hasExtra) {
        keepAnswers(r, count, index, hasExtra, List.copyOf(r.answer));
    }

    private static void keepAnswers(Response r, int count, Map<String, Rr> index, boolean hasExtra, List<Rr> all) {
        r.answer.clear();
        r.answer.addAll(all.subList(0, Math.min(count, all.size())));
        if (hasExtra) {
            syncExtra(r, index);
        }
    }

    /** The additional records the remaining SRV answers need, nothing else (Consul's syncExtra). */
    private static void syncExtra(Response r, Map<String, Rr> index) {
        r.additional.clear();
        Set<String> resolved = new LinkedHashSet<>();
        for (Rr answer : r.answer) {
            if (answer.type() != DnsWire.TYPE_SRV) {
                continue;
            }
            String target = answer.text().substring(answer.text().lastIndexOf(' ') + 1).toLowerCase(Locale.ROOT);
            if (resolved.add(target) && index.containsKey(target)) {
                r.additional.add(index.get(target));
            }
        }
    }

    /** Encoded size, the OPT record the answer will carry included. */
    private static int length(Response r, boolean compress) {
        if (r.query.edns()) {
            r.additional.add(Rr.opt(r.query.ednsSize()));
            int n = r.encode(compress).length;
            r.additional.remove(r.additional.size() - 1);
            return n;
        }
        return r.encode(compress).length;
    }
}
