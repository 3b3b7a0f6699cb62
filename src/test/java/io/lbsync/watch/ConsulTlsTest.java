package io.lbsync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** https to Consul with lbsync.consul.ca-file: trusted CA works, any other CA fails closed. */
class ConsulTlsTest {
    @TempDir
    Path dir;

    /** A self-signed certificate for 127.0.0.1, made with the JDK's keytool; returns the PEM path. */
    private Path selfSigned(String alias) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        run("keytool", "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias,
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit");
        Path pem = dir.resolve(alias + ".pem");
        run("keytool", "-exportcert", "-rfc", "-alias", alias, "-keystore", store.toString(), "-storepass", "changeit",
                "-file", pem.toString());
        return pem;
    }

    private SSLContext serverContext(String alias) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static CamelContext watch(String url, Path caFile, List<Object> snapshots) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("lbsync.consul.url", url);
        p.setProperty("lbsync.consul.ca-file", caFile.toString());
        p.setProperty("lbsync.consul.wait", "2s");
        camel.getPropertiesComponent().setInitialProperties(p);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("consul-watch:catalog?backoffInitial=50ms&backoffMax=200ms").process(e -> snapshots.add(e.getMessage().getBody()));
            }
        });
        camel.start();
        return camel;
    }

    @Test
    void trustsConsulSignedByTheConfiguredCaOnly() throws Exception {
        Path consulCert = selfSigned("consul");
        Path otherCa = selfSigned("other");
        try (RecordingConsul consul = new RecordingConsul(() -> 7, serverContext("consul"))) {
            List<Object> trusted = new CopyOnWriteArrayList<>();
            CamelContext good = watch(consul.url(), consulCert, trusted);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !trusted.isEmpty());
            } finally {
                good.stop();
            }
            int served;
            do { // a read the stopped watch had started may still arrive: count once nothing more comes
                served = consul.requests.size();
                Thread.sleep(300);
            } while (served != consul.requests.size());

            List<Object> untrusted = new CopyOnWriteArrayList<>();
            CamelContext bad = watch(consul.url(), otherCa, untrusted);
            try {
                Thread.sleep(1500);
            } finally {
                bad.stop();
            }
            assertThat(untrusted).isEmpty();
            assertThat(consul.requests).hasSize(served); // the handshake failed: no request got through
        }
    }
}
