package io.lbsync.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS to Consul from PEM files: lbsync.consul.ca-file (the CAs to trust; else the JVM's trust store) and an
 * optional client certificate (lbsync.consul.client-cert + client-key, for agents with verify_incoming).
 * Anything unreadable is a start-up error naming the property; a server the CA did not sign fails closed.
 */
public record ConsulTls(SSLContext context, X509TrustManager trustManager) {

    public static ConsulTls from(Optional<Path> caFile, Optional<Path> clientCert, Optional<Path> clientKey) {
        if (clientCert.isPresent() != clientKey.isPresent()) {
            throw new IllegalArgumentException("lbsync.consul.client-cert and lbsync.consul.client-key go together: set both or neither");
        }
        X509TrustManager trust = caFile.map(ConsulTls::trustManagerFor).orElseGet(() -> trustManager(null));
        KeyManager[] keys = clientCert.isPresent() ? keyManagers(clientCert.get(), clientKey.get()) : null;
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, new TrustManager[] {trust}, null);
            return new ConsulTls(context, trust);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise TLS", e);
        }
    }

    static X509TrustManager trustManagerFor(Path caFile) {
        try {
            KeyStore store = emptyStore();
            int n = 0;
            for (Certificate cert : certificates(caFile, "lbsync.consul.ca-file")) {
                store.setCertificateEntry("ca-" + n++, cert);
            }
            return trustManager(store);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("lbsync.consul.ca-file: cannot load " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trustManager(KeyStore store) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise TLS trust", e);
        }
    }

    private static KeyManager[] keyManagers(Path certFile, Path keyFile) {
        try {
            Collection<? extends Certificate> chain = certificates(certFile, "lbsync.consul.client-cert");
            KeyStore store = emptyStore();
            store.setKeyEntry("client", privateKey(keyFile), new char[0], chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, new char[0]);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("lbsync.consul.client-cert/client-key: cannot load " + certFile + " / " + keyFile
                    + ": " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path file, String property)
            throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(property + ": no certificate found in " + file);
            }
            return certs;
        }
    }

    /** A PKCS#8 PEM key ("BEGIN PRIVATE KEY"), RSA or EC; convert others with "openssl pkcs8 -topk8 -nocrypt". */
    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("lbsync.consul.client-key: " + file + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }
}
