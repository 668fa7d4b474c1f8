package io.cargohold.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.UnavailableException;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS with certificates the test made: the CA from a certs.d directory, refusal without it, no
 * verification with tls-verify=false, and client certificates from {@code *.cert}/{@code *.key}.
 */
class TlsTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;
    static RegistryServer mutual;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.withTls());
        mutual = RegistryServer.start(dir.resolve("mutual"), new RegistryServer.Setup(true, true, RegistryServer.Auth.NONE));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (mutual != null) {
            mutual.close();
        }
    }

    private static RegistryOptions options() {
        return RegistryOptions.defaults().withEnv(Map.of("HOME", dir.resolve("home").toString())).withRetries(0, java.time.Duration.ofMillis(10));
    }

    @Test
    void theCaFromACertDirIsTrusted() throws IOException {
        Path certs = registry.pki().certDir(dir.resolve("certs"), false);
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withCertDir(certs))) {
            assertEquals("https", c.scheme());
            RegistryClientTest.pushImage(c, "tls/img", "v1", RegistryClientTest.random(100, 1));
        }
        // the default place: ~/.config/containers/certs.d/HOST
        registry.pki().certDir(dir.resolve("home/.config/containers/certs.d").resolve(registry.host()), false);
        try (RegistryClient c = RegistryClient.open(registry.host(), options())) {
            assertEquals(1, c.tags("tls/img").size());
        }
    }

    @Test
    void anUnknownCaIsRefusedUnlessVerificationIsOff() throws IOException {
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withEnv(Map.of("HOME", dir.resolve("nohome").toString())))) {
            var e = assertThrows(UnavailableException.class, c::ping);
            assertTrue(e.getMessage().contains("pinging container registry " + registry.host()), e.getMessage());
        }
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withTlsVerify(false)
                .withEnv(Map.of("HOME", dir.resolve("nohome").toString())))) {
            assertEquals("https", c.scheme());
            RegistryClientTest.pushImage(c, "tls/noverify", "v1", RegistryClientTest.random(100, 3));
        }
    }

    @Test
    void clientCertificatesFromTheCertDir() throws IOException {
        Path withClient = mutual.pki().certDir(dir.resolve("mutual-certs"), true);
        try (RegistryClient c = RegistryClient.open(mutual.host(), options().withCertDir(withClient))) {
            RegistryClientTest.pushImage(c, "mtls/img", "v1", RegistryClientTest.random(100, 2));
        }
        Path caOnly = mutual.pki().certDir(dir.resolve("mutual-ca-only"), false);
        try (RegistryClient c = RegistryClient.open(mutual.host(), options().withCertDir(caOnly))) {
            assertThrows(UnavailableException.class, () -> c.tags("mtls/img"));
        }
    }
}
