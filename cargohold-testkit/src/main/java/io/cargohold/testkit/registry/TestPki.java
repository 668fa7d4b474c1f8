package io.cargohold.testkit.registry;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates a test makes for itself: a CA, a server certificate for 127.0.0.1/localhost signed by
 * it, a client certificate, and a self-signed certificate for signing registry tokens. Written as PEM
 * the way containers-certs.d lays a directory out ({@code ca.crt}, {@code client.cert}, {@code client.key}).
 */
public final class TestPki {
    public record Issued(X509Certificate cert, PrivateKey key) {
    }

    private final Issued ca;
    private final Issued server;
    private final Issued client;
    private final Issued tokenSigner;

    private TestPki() throws IOException {
        try {
            ca = selfSigned("CN=cargohold test CA", true);
            server = issue("CN=127.0.0.1", ca, true);
            client = issue("CN=cargohold test client", ca, false);
            tokenSigner = selfSigned("CN=cargohold test token issuer", false);
        } catch (Exception e) {
            throw new IOException("making test certificates: " + e, e);
        }
    }

    public static TestPki create() throws IOException {
        return new TestPki();
    }

    public Issued ca() {
        return ca;
    }

    public Issued server() {
        return server;
    }

    public Issued client() {
        return client;
    }

    public Issued tokenSigner() {
        return tokenSigner;
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static Issued selfSigned(String dn, boolean ca) throws Exception {
        KeyPair kp = rsa();
        X500Name name = new X500Name(dn);
        var b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()), Date.from(Instant.now().minus(1, ChronoUnit.DAYS)),
                Date.from(Instant.now().plus(30, ChronoUnit.DAYS)), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        } else {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        }
        return new Issued(sign(b, kp.getPrivate()), kp.getPrivate());
    }

    private static Issued issue(String dn, Issued issuer, boolean server) throws Exception {
        KeyPair kp = rsa();
        var b = new JcaX509v3CertificateBuilder(issuer.cert(), BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minus(1, ChronoUnit.DAYS)), Date.from(Instant.now().plus(30, ChronoUnit.DAYS)), new X500Name(dn),
                kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        if (server) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
                    new GeneralName(GeneralName.dNSName, "localhost")}));
        } else {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        return new Issued(sign(b, issuer.key()), kp.getPrivate());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(key);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    /** PEM text of a certificate or a key (keys as PKCS#8 "PRIVATE KEY"). */
    public static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            if (o instanceof PrivateKey k) {
                w.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", k.getEncoded()));
            } else {
                w.writeObject(o);
            }
        }
        return s.toString();
    }

    public static void writePem(Path file, Object o) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, pem(o));
    }

    /**
     * A containers-certs.d directory for a client of the registry: {@code ca.crt} (trust), and with
     * {@code withClientCert} also {@code client.cert}/{@code client.key}.
     */
    public Path certDir(Path dir, boolean withClientCert) throws IOException {
        writePem(dir.resolve("ca.crt"), ca.cert());
        if (withClientCert) {
            writePem(dir.resolve("client.cert"), client.cert());
            writePem(dir.resolve("client.key"), client.key());
        }
        return dir;
    }
}
