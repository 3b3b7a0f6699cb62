package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static io.lbsync.testsupport.DnsClient.A;
import static io.lbsync.testsupport.DnsClient.AAAA;
import static io.lbsync.testsupport.DnsClient.NOERROR;
import static io.lbsync.testsupport.DnsClient.NXDOMAIN;
import static io.lbsync.testsupport.DnsClient.OPT;
import static io.lbsync.testsupport.DnsClient.SOA;
import static io.lbsync.testsupport.DnsClient.SRV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.DnsClient;
import io.lbsync.testsupport.DnsClient.Answer;
import io.lbsync.testsupport.DnsClient.Record;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Consul's DNS interface: hand-built queries over UDP. Runs against the simulator, or against a real Consul
 * (CONSUL_HTTP_ADDR) when LBSYNC_TEST_CONSUL_DNS names its DNS address (default dns_config assumed); the tests
 * marked simulator-only check simulator options.
 */
class ConsulSimDnsTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private DnsClient dns;
    private String node;
    private String dc;
    private final String service = unique("dns");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.startWithDns("node-1");
        http = cluster.http();
        dns = new DnsClient(cluster.dnsAddress());
        node = cluster.nodes().get(0);
        dc = http.get("/v1/agent/self").requireOk().json().path("Config").path("Datacenter").asText();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String id, String address, int port, String status, String... tags) {
        String tagJson = java.util.Arrays.stream(tags).map(t -> "\"" + t + "\"").collect(Collectors.joining(","));
        http.registerService(node, "{\"ID\":\"" + id + "\",\"Name\":\"" + service + "\",\"Address\":\"" + address + "\","
                + "\"Port\":" + port + ",\"Tags\":[" + tagJson + "],"
                + "\"Check\":{\"CheckID\":\"" + id + "-ttl\",\"TTL\":\"10m\",\"Status\":\"" + status + "\"}}").requireOk();
    }

    private Answer awaitAnswer(String name, int type, int edns, Predicate<Answer> until) {
        return await(name).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> dns.query(name, type, edns), until);
    }

    private static Set<String> data(List<Record> records) {
        return records.stream().map(Record::data).collect(Collectors.toSet());
    }

    @Test
    void aRecordsListTheInstancesThatAreNotCritical() {
        register("p", "127.0.0.11", 8001, "passing");
        register("w", "127.0.0.12", 8002, "warning");
        register("c", "127.0.0.13", 8003, "critical");
        Answer a = awaitAnswer(service + ".service.consul.", A, 0, x -> x.answer().size() == 2);
        assertThat(a.rcode()).isEqualTo(NOERROR);
        assertThat(a.authoritative()).isTrue();
        assertThat(a.recursionAvailable()).isFalse();
        assertThat(data(a.answer(A))).containsExactlyInAnyOrder("127.0.0.11", "127.0.0.12");
        assertThat(a.answer()).allSatisfy(r -> {
            assertThat(r.ttl()).isZero();
            assertThat(r.name()).isEqualTo(service + ".service.consul.");
        });
        // the datacenter may be named
        assertThat(data(dns.query(service + ".service." + dc + ".consul", A).answer())).hasSize(2);
    }

    @Test
    void srvRecordsGivePortsAndTargetsWithTheirAddressesInTheAdditionalSection() {
        register("a", "127.0.0.11", 8001, "passing");
        register("b", "127.0.0.11", 8002, "passing");
        register("n", "", 8003, "passing"); // no service address: the node's
        String nodeAddress = http.get("/v1/catalog/node/" + node).requireOk().json().path("Node").path("Address").asText();
        for (String name : List.of("_" + service + "._tcp.service.consul", service + ".service.consul")) {
            Answer a = awaitAnswer(name, SRV, 0, x -> x.answer().size() == 3);
            assertThat(a.rcode()).isEqualTo(NOERROR);
            assertThat(data(a.answer(SRV))).containsExactlyInAnyOrder(
                    "1 1 8001 7f00000b.addr." + dc + ".consul.",
                    "1 1 8002 7f00000b.addr." + dc + ".consul.",
                    "1 1 8003 " + node + ".node." + dc + ".consul.");
            assertThat(a.answer()).allSatisfy(r -> assertThat(r.ttl()).isZero());
            // one additional record per SRV record, repeated for a shared address: HAProxy pairs each with one SRV
            assertThat(a.additional(A)).extracting(r -> r.name() + "=" + r.data()).containsExactlyInAnyOrder(
                    "7f00000b.addr." + dc + ".consul.=127.0.0.11", "7f00000b.addr." + dc + ".consul.=127.0.0.11",
                    node + ".node." + dc + ".consul.=" + nodeAddress);
        }
    }

    @Test
    void healthChangesAndDeregistrationChangeTheAnswerAtOnce() {
        register("a", "127.0.0.11", 8001, "passing");
        register("b", "127.0.0.12", 8002, "passing");
        String srv = "_" + service + "._tcp.service.consul";
        awaitAnswer(srv, SRV, 0, x -> x.answer().size() == 2);

        http.failCheck(node, "b-ttl", "down").requireOk();
        Answer one = awaitAnswer(srv, SRV, 0, x -> x.answer().size() == 1);
        assertThat(data(one.answer(SRV))).containsExactly("1 1 8001 7f00000b.addr." + dc + ".consul.");
        http.passCheck(node, "b-ttl", "up").requireOk();
        awaitAnswer(srv, SRV, 0, x -> x.answer().size() == 2);

        http.deregisterService(node, "a").requireOk();
        Answer b = awaitAnswer(srv, SRV, 0, x -> x.answer().size() == 1 && x.answer().get(0).data().contains(" 8002 "));
        assertThat(b.additional(A)).extracting(Record::data).containsExactly("127.0.0.12");

        // no instance left: NXDOMAIN, with the zone's SOA
        http.deregisterService(node, "b").requireOk();
        Answer gone = awaitAnswer(srv, SRV, 0, x -> x.rcode() == NXDOMAIN);
        assertThat(gone.answer()).isEmpty();
        assertThat(gone.authority()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(SOA);
            assertThat(r.name()).isEqualTo("consul.");
            assertThat(r.data()).startsWith("ns.consul. hostmaster.consul. ");
        });
    }

    @Test
    void unknownNamesAreNxdomain() {
        register("a", "127.0.0.11", 8001, "passing");
        awaitAnswer(service + ".service.consul", A, 0, x -> x.answer().size() == 1);
        for (String name : List.of(unique("nothing") + ".service.consul", service + ".service.no-such-dc.consul",
                service + ".nonsense.consul", unique("no-node") + ".node.consul")) {
            Answer a = dns.query(name, A);
            assertThat(a.rcode()).as(name).isEqualTo(NXDOMAIN);
            assertThat(a.authority()).as(name).extracting(Record::type).containsExactly(SOA);
        }
        // a known name without records of that type: NOERROR, no answer, the SOA (NODATA)
        Answer nodata = dns.query(service + ".service.consul", AAAA);
        assertThat(nodata.rcode()).isEqualTo(NOERROR);
        assertThat(nodata.answer()).isEmpty();
        assertThat(nodata.authority()).extracting(Record::type).containsExactly(SOA);
    }

    @Test
    void tagsFilterInBothNameForms() {
        register("a", "127.0.0.11", 8001, "passing", "blue");
        register("b", "127.0.0.12", 8002, "passing", "green");
        awaitAnswer(service + ".service.consul", A, 0, x -> x.answer().size() == 2);
        assertThat(data(dns.query("blue." + service + ".service.consul", A).answer())).containsExactly("127.0.0.11");
        assertThat(data(dns.query("_" + service + "._green.service.consul", SRV).answer()))
                .containsExactly("1 1 8002 7f00000c.addr." + dc + ".consul.");
        assertThat(dns.query("red." + service + ".service.consul", A).rcode()).isEqualTo(NXDOMAIN);
    }

    @Test
    void namesAreCaseInsensitiveAndNodesAndAddrNamesResolve() {
        register("a", "127.0.0.11", 8001, "passing");
        awaitAnswer(service + ".service.consul", A, 0, x -> x.answer().size() == 1);
        Answer upper = dns.query(service.toUpperCase() + ".SERVICE.Consul.", A);
        assertThat(data(upper.answer())).containsExactly("127.0.0.11");
        assertThat(upper.question().get(0)).startsWith(service.toUpperCase() + ".SERVICE.Consul. ");
        String nodeAddress = http.get("/v1/catalog/node/" + node).requireOk().json().path("Node").path("Address").asText();
        assertThat(data(dns.query(node + ".node.consul", A).answer())).containsExactly(nodeAddress);
        assertThat(data(dns.query("7f00000b.addr." + dc + ".consul", A).answer())).containsExactly("127.0.0.11");
    }

    @Test
    void withoutEdnsAtMostThreeAnswersWithEdnsAllThatFit() {
        for (int i = 1; i <= 5; i++) {
            register("i" + i, "127.0.1." + i, 8000 + i, "passing");
        }
        awaitAnswer(service + ".service.consul", A, 4096, x -> x.answer().size() == 5);
        // a plain 512-byte client (and HAProxy's default accepted_payload_size 512): udp_answer_limit = 3
        for (int edns : new int[] {0, 512}) {
            Answer a = dns.query(service + ".service.consul", A, edns);
            assertThat(a.answer()).as("edns " + edns).hasSize(3);
            assertThat(a.truncated()).as("Consul does not set TC by default").isFalse();
            Answer srv = dns.query("_" + service + "._tcp.service.consul", SRV, edns);
            assertThat(srv.answer(SRV)).hasSize(3);
            assertThat(srv.additional(A)).hasSize(3); // trimmed with the answers
        }
        Answer big = dns.query("_" + service + "._tcp.service.consul", SRV, 4096);
        assertThat(big.answer(SRV)).hasSize(5);
        assertThat(big.additional(A)).hasSize(5);
        assertThat(big.additional(OPT)).extracting(Record::data).containsExactly("4096");
    }

    @Test
    void aLargeServiceIsCutToTheAnnouncedPayloadSize() {
        int count = 60;
        for (int i = 1; i <= count; i++) {
            register("i" + i, "127.0.2." + i, 9000 + i, "passing");
        }
        String srv = "_" + service + "._tcp.service.consul";
        awaitAnswer(srv, SRV, 8192, x -> x.answer().size() == count);
        Answer cut = dns.query(srv, SRV, 1232);
        assertThat(cut.size()).isLessThanOrEqualTo(1232);
        assertThat(cut.answer(SRV).size()).isBetween(4, count - 1);
        assertThat(cut.truncated()).isFalse();
        // every remaining SRV target still has its address, and there is no address for a dropped one
        Set<String> targets = cut.answer(SRV).stream().map(r -> r.data().substring(r.data().lastIndexOf(' ') + 1)).collect(Collectors.toSet());
        assertThat(cut.additional(A).stream().map(Record::name).collect(Collectors.toSet())).isEqualTo(targets);
    }

    // ---- simulator-only ----

    @Test
    void simulatorOnlyPassingOptionAclsAndRestart() {
        cluster.assumeSimulator("builds simulators with other DNS options");
        try (ConsulSimulator sim = ConsulSimulator.builder().dnsPort(0).dnsOnlyPassing(true).build().start()) {
            sim.registerService("node-1", ServiceDefinition.of("w", "web", "127.0.0.11", 80)
                    .withCheck(CheckDefinition.ttl(Duration.ofMinutes(10)).withId("w-ttl").withStatus("warning")));
            sim.registerService("node-1", ServiceDefinition.of("p", "web", "127.0.0.12", 80));
            DnsClient client = new DnsClient(sim.dnsAddress());
            assertThat(data(client.query("web.service.consul", A).answer())).containsExactly("127.0.0.12");
            // a stopped simulator does not answer; restarted, it answers on the same port
            int port = sim.dnsPort();
            sim.stop();
            assertThat(client.exchangeRaw(DnsClient.buildQuery(1, "web.service.consul", A, 0))).isNull();
            sim.start();
            assertThat(sim.dnsPort()).isEqualTo(port);
            assertThat(data(client.query("web.service.consul", A).answer())).containsExactly("127.0.0.12");
            // names outside the consul domain: refused (no recursors)
            assertThat(client.query("example.com", A).rcode()).isEqualTo(5);
        }
        try (ConsulSimulator sim = ConsulSimulator.builder().dnsPort(0).aclMasterToken("root").build().start()) {
            sim.registerService("node-1", ServiceDefinition.of("p", "web", "127.0.0.12", 80));
            // the DNS interface reads with the anonymous token: default-deny hides everything
            assertThat(new DnsClient(sim.dnsAddress()).query("web.service.consul", A).rcode()).isEqualTo(NXDOMAIN);
        }
    }

    @Test
    void simulatorAnswersAMalformedQueryWithFormErr() {
        cluster.assumeSimulator("a malformed DNS query: real Consul's answer (from miekg/dns) is not the simulator's contract");
        byte[] garbage = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 'a'};
        byte[] answer = dns.exchangeRaw(garbage);
        assertThat(answer).hasSize(12);
        assertThat(answer[0]).isEqualTo((byte) 0x12);
        assertThat(answer[3] & 0xF).isEqualTo(1);
    }
}
