package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.config.CacheConfig;
import org.kiwiproject.consul.config.ClientConfig;

/**
 * Builds the kiwiproject Consul client. The ACL token travels only in the X-Consul-Token header (never a
 * ?token= URL parameter, which ends up in access logs); the read timeout covers a full blocking wait.
 * <p>
 * The client replaces the read timeout of every request carrying {@code ?wait=} by wait + wait/16 + a margin of its
 * own (2 s by default): that margin is set here so that a blocking read gets the same slack as
 * {@link ConsulSettings#readTimeout()} gives every other read.
 */
public final class ConsulClientFactory {
    private ConsulClientFactory() {
    }

    public static Consul create(ConsulSettings settings) {
        Consul.Builder builder = Consul.builder()
                .withUrl(settings.url().toString())
                .withPing(false)
                .withConnectTimeoutMillis(5_000)
                .withReadTimeoutMillis(settings.readTimeout().toMillis())
                .withWriteTimeoutMillis(10_000)
                .withClientConfiguration(new ClientConfig(CacheConfig.builder()
                        .withTimeoutAutoAdjustmentMargin(blockingReadSlack(settings)).build()));
        settings.token().ifPresent(token -> builder.withHeaders(Map.of("X-Consul-Token", token)));
        if ("https".equals(settings.url().getScheme())) {
            builder.withHttps(true);
            settings.caFile().ifPresent(ca -> {
                X509TrustManager trust = trustManagerFor(ca);
                builder.withSslContext(sslContext(trust)).withTrustManager(trust);
            });
        }
        return builder.build();
    }

    /** What {@link ConsulSettings#readTimeout()} adds on top of Consul's longest answer time, wait × 17/16. */
    static Duration blockingReadSlack(ConsulSettings settings) {
        Duration wait = settings.blockingWait();
        Duration slack = settings.readTimeout().minus(wait).minus(wait.dividedBy(16));
        return slack.isNegative() ? Duration.ZERO : slack;
    }

    public static X509TrustManager trustManagerFor(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, cert);
            }
            if (n == 0) {
                throw new IllegalArgumentException("lbsync.consul.ca-file: no certificate found in " + caFile);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("lbsync.consul.ca-file: cannot load " + caFile + ": " + e.getMessage(), e);
        }
    }

    public static SSLContext sslContext(X509TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise TLS", e);
        }
    }
}
