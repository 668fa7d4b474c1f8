package io.cargohold.registry;

import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS set-up for one registry, as containers/image's {@code tlsclientconfig.SetupCertificates}
 * reads a certs.d directory: every {@code *.crt} is a CA trusted besides the system's, every
 * {@code NAME.cert} with its {@code NAME.key} a client certificate. Without verification, every
 * certificate and name is accepted.
 */
final class Tls {
    private Tls() {
    }

    /** The directories consulted for {@code host} when no cert dir is given. */
    static List<Path> defaultCertDirs(String host, Map<String, String> env) {
        List<Path> out = new ArrayList<>();
        out.add(Path.of("/etc/containers/certs.d", host));
        out.add(Path.of("/etc/docker/certs.d", host));
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        out.add(Path.of(home, ".config/containers/certs.d", host));
        return out;
    }

    static SSLContext context(String host, RegistryOptions o) throws IOException {
        try {
            List<Path> dirs = o.certDir() != null ? List.of(o.certDir()) : defaultCertDirs(host, o.env());
            List<X509Certificate> cas = new ArrayList<>();
            KeyStore clientKeys = null;
            for (Path dir : dirs) {
                if (!Files.isDirectory(dir)) {
                    if (o.certDir() != null) {
                        throw new InvalidArgumentException("cert dir " + dir + " is not a directory");
                    }
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path f : ds) {
                        String name = f.getFileName().toString();
                        if (name.endsWith(".crt")) {
                            cas.addAll(certificates(f));
                        } else if (name.endsWith(".cert")) {
                            Path key = f.resolveSibling(name.substring(0, name.length() - 5) + ".key");
                            if (!Files.isRegularFile(key)) {
                                throw new InvalidArgumentException("missing key " + key.getFileName() + " for client certificate " + f);
                            }
                            if (clientKeys == null) {
                                clientKeys = KeyStore.getInstance("PKCS12");
                                clientKeys.load(null, null);
                            }
                            List<X509Certificate> chain = certificates(f);
                            clientKeys.setKeyEntry(name, privateKey(key), new char[0], chain.toArray(new Certificate[0]));
                        } else if (name.endsWith(".key")) {
                            Path cert = f.resolveSibling(name.substring(0, name.length() - 4) + ".cert");
                            if (!Files.isRegularFile(cert)) {
                                throw new InvalidArgumentException("missing client certificate " + cert.getFileName() + " for key " + f);
                            }
                        }
                    }
                }
            }
            if (cas.isEmpty() && clientKeys == null) {
                // nothing read from a certs.d directory, so nothing can fail: the context is made at the first TLS
                // connection, not for a registry that turns out to speak plain HTTP (the JDK's security providers and
                // TLS set-up cost a command ~20-40 ms; bench/README.md section 27.5)
                TrustManager[] trust = o.tlsVerify() ? null : new TrustManager[] {new TrustAll()};
                return new Lazy(() -> {
                    SSLContext c = SSLContext.getInstance("TLS");
                    c.init(null, trust, null);
                    return c;
                });
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            TrustManager[] trust;
            if (!o.tlsVerify()) {
                trust = new TrustManager[] {new TrustAll()};
            } else if (cas.isEmpty()) {
                trust = null;
            } else {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                sys.init((KeyStore) null);
                int i = 0;
                for (TrustManager tm : sys.getTrustManagers()) {
                    if (tm instanceof javax.net.ssl.X509TrustManager x) {
                        for (X509Certificate c : x.getAcceptedIssuers()) {
                            ks.setCertificateEntry("system-" + i++, c);
                        }
                    }
                }
                for (X509Certificate c : cas) {
                    ks.setCertificateEntry("certs.d-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                trust = tmf.getTrustManagers();
            }
            javax.net.ssl.KeyManager[] keys = null;
            if (clientKeys != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(clientKeys, new char[0]);
                keys = kmf.getKeyManagers();
            }
            ctx.init(keys, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new InvalidArgumentException("TLS set-up for " + host + ": " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path f) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(f)) {
            for (Certificate c : cf.generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        } catch (java.security.cert.CertificateException e) {
            throw new InvalidArgumentException(f + ": not a PEM certificate: " + e.getMessage(), e);
        }
        return out;
    }

    /** A PEM private key: PKCS#8 ("PRIVATE KEY", RSA or EC) or PKCS#1 ("RSA PRIVATE KEY"). */
    static PrivateKey privateKey(Path f) throws IOException, GeneralSecurityException {
        String pem = Files.readString(f, StandardCharsets.US_ASCII);
        String type;
        if (pem.contains("-----BEGIN PRIVATE KEY-----")) {
            type = "PRIVATE KEY";
        } else if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            type = "RSA PRIVATE KEY";
        } else {
            throw new InvalidArgumentException(f + ": expected a PEM \"PRIVATE KEY\" (PKCS#8) or \"RSA PRIVATE KEY\"");
        }
        int a = pem.indexOf("-----BEGIN " + type + "-----") + ("-----BEGIN " + type + "-----").length();
        int b = pem.indexOf("-----END " + type + "-----");
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(a, b));
        if (type.equals("RSA PRIVATE KEY")) {
            der = pkcs1ToPkcs8(der);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (java.security.spec.InvalidKeySpecException notThis) {
                // try the next algorithm
            }
        }
        throw new InvalidArgumentException(f + ": not an RSA, EC or Ed25519 private key");
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (DER, by hand: the JDK reads only PKCS#8). */
    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octet = der(0x04, pkcs1);
        byte[] body = new byte[version.length + algId.length + octet.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algId, 0, body, version.length, algId.length);
        System.arraycopy(octet, 0, body, version.length + algId.length, octet.length);
        return der(0x30, body);
    }

    private static byte[] der(int tag, byte[] content) {
        int len = content.length;
        byte[] lenBytes;
        if (len < 0x80) {
            lenBytes = new byte[] {(byte) len};
        } else if (len < 0x100) {
            lenBytes = new byte[] {(byte) 0x81, (byte) len};
        } else if (len < 0x10000) {
            lenBytes = new byte[] {(byte) 0x82, (byte) (len >> 8), (byte) len};
        } else {
            lenBytes = new byte[] {(byte) 0x83, (byte) (len >> 16), (byte) (len >> 8), (byte) len};
        }
        byte[] out = new byte[1 + lenBytes.length + len];
        out[0] = (byte) tag;
        System.arraycopy(lenBytes, 0, out, 1, lenBytes.length);
        System.arraycopy(content, 0, out, 1 + lenBytes.length, len);
        return out;
    }

    /** Whether {@code c} is made at its first use ({@link #context}): its client then needs explicit SSL parameters. */
    static boolean isLazy(SSLContext c) {
        return c instanceof Lazy;
    }

    /** An SSLContext made by {@code make} when first used (an engine, a factory, its parameters or sessions). */
    private static final class Lazy extends SSLContext {
        Lazy(java.util.concurrent.Callable<SSLContext> make) {
            super(new LazySpi(make), null, "TLS");
        }
    }

    private static final class LazySpi extends javax.net.ssl.SSLContextSpi {
        private final java.util.concurrent.Callable<SSLContext> make;
        private SSLContext made;

        LazySpi(java.util.concurrent.Callable<SSLContext> make) {
            this.make = make;
        }

        private synchronized SSLContext made() {
            if (made == null) {
                try {
                    made = make.call();
                } catch (Exception e) {
                    throw new IllegalStateException("TLS set-up: " + e.getMessage(), e);
                }
            }
            return made;
        }

        @Override
        protected void engineInit(javax.net.ssl.KeyManager[] km, TrustManager[] tm, java.security.SecureRandom sr) {
            throw new UnsupportedOperationException("made with its managers");
        }

        @Override
        protected javax.net.ssl.SSLSocketFactory engineGetSocketFactory() {
            return made().getSocketFactory();
        }

        @Override
        protected javax.net.ssl.SSLServerSocketFactory engineGetServerSocketFactory() {
            return made().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return made().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return made().createSSLEngine(host, port);
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetServerSessionContext() {
            return made().getServerSessionContext();
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetClientSessionContext() {
            return made().getClientSessionContext();
        }

        @Override
        protected javax.net.ssl.SSLParameters engineGetDefaultSSLParameters() {
            return made().getDefaultSSLParameters();
        }

        @Override
        protected javax.net.ssl.SSLParameters engineGetSupportedSSLParameters() {
            return made().getSupportedSSLParameters();
        }
    }

    /** --tls-verify=false: any certificate, any name (an X509ExtendedTrustManager, so the JDK does no name check either). */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
