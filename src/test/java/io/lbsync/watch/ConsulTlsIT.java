package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbsync.consulsim.ConsulSimulator;
import io.lbsync.consulsim.ServiceDefinition;
import io.lbsync.testsupport.CapturedLogs;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.Pause;
import io.lbsync.testsupport.Ports;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lbsync over https to the simulator with a self-signed CA and verify_incoming (client certificates required):
 * with the right CA file and client certificate it renders; with another CA, or without a client certificate,
 * it fails closed — nothing rendered, a clear TLS error in the log. Simulator only (certificates made here).
 */
class ConsulTlsIT {
    @TempDir
    Path dir;
    private ConsulSimulator consul;
    private LbsyncApp app;
    private Path output;

    @BeforeEach
    void setUp() throws Exception {
        keyPair("consul");
        keyPair("client");
        keyPair("other");
        SSLContext server = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store("consul"), "changeit".toCharArray());
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("client", store("client").getCertificate("client"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        server.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        consul = ConsulSimulator.builder().https(server, true).build().start();
        consul.registerService("node-1", ServiceDefinition.of("web-1", "web", "127.0.0.1", 23001));
        output = dir.resolve("haproxy.cfg");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
        }
        consul.close();
    }

    /** A self-signed EC certificate for 127.0.0.1 (keytool), exported as PEM, with its key as PKCS#8 PEM. */
    private void keyPair(String alias) throws Exception {
        Path p12 = dir.resolve(alias + ".p12");
        run("keytool", "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias,
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit");
        KeyStore ks = store(alias);
        Certificate cert = ks.getCertificate(alias);
        Files.writeString(dir.resolve(alias + ".pem"), pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(dir.resolve(alias + "-key.pem"), pem("PRIVATE KEY", ks.getKey(alias, "changeit".toCharArray()).getEncoded()));
    }

    private KeyStore store(String alias) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", command)).isTrue();
    }

    private Map<String, String> properties(String ca, boolean clientCert) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("lbsync.consul.url", consul.url());
        p.put("lbsync.consul.wait", "2s");
        p.put("lbsync.consul.ca-file", dir.resolve(ca + ".pem").toString());
        if (clientCert) {
            p.put("lbsync.consul.client-cert", dir.resolve("client.pem").toString());
            p.put("lbsync.consul.client-key", dir.resolve("client-key.pem").toString());
        }
        p.put("lbsync.haproxy.output", output.toString());
        p.put("lbsync.wait.min", "50ms");
        p.put("lbsync.http.port", String.valueOf(Ports.free()));
        return p;
    }

    @Test
    void theRightCaAndClientCertificateRender() throws Exception {
        assertThat(consul.url()).startsWith("https://");
        app = LbsyncApp.start(properties("consul", true));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(output) && Files.readString(output).contains("127.0.0.1:23001"));
    }

    @Test
    void anotherCaOrNoClientCertificateFailsClosedWithAClearError() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            app = LbsyncApp.start(properties("other", true));
            Pause.millis(2_000);
            assertThat(output).doesNotExist();
            assertThat(logs.all()).containsPattern("event=consul-error.*(PKIX|certificat)");
            app.close();

            app = LbsyncApp.start(properties("consul", false));
            Pause.millis(2_000);
            assertThat(output).doesNotExist();
        }
    }
}
