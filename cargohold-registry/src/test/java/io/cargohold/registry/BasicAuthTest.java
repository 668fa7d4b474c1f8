package io.cargohold.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** htpasswd (bcrypt) basic auth: explicit credentials, the auth file, and refusals with clear messages. */
class BasicAuthTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.basicAuth());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static RegistryOptions options() {
        return RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", dir.resolve("home").toString()))
                .withRetries(1, java.time.Duration.ofMillis(10));
    }

    @Test
    void rightCredentialsPushAndPull() throws IOException {
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withCredentials(
                new Credentials(RegistryServer.USER, RegistryServer.PASSWORD)))) {
            var m = RegistryClientTest.pushImage(c, "basic/img", "v1", RegistryClientTest.random(100, 1));
            assertEquals(m.digest(), c.getManifest("basic/img", "v1").digest());
            c.checkLogin();
        }
    }

    @Test
    void credentialsFromTheAuthFile() throws IOException {
        Path file = dir.resolve("auth.json");
        AuthFile.store(file, registry.host(), new Credentials(RegistryServer.USER, RegistryServer.PASSWORD));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withAuthFile(file))) {
            RegistryClientTest.pushImage(c, "basic/file", "v1", RegistryClientTest.random(100, 2));
        }
        // the default search path: $XDG_RUNTIME_DIR/containers/auth.json
        Path xdg = dir.resolve("xdg");
        AuthFile.store(xdg.resolve("containers/auth.json"), registry.host(), new Credentials(RegistryServer.USER, RegistryServer.PASSWORD));
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withEnv(Map.of("HOME", dir.toString(), "XDG_RUNTIME_DIR", xdg.toString())))) {
            assertEquals(1, c.tags("basic/file").size());
        }
    }

    @Test
    void missingOrWrongCredentialsAreRefused() throws IOException {
        try (RegistryClient c = RegistryClient.open(registry.host(), options())) {
            var e = assertThrows(PermissionDeniedException.class, () -> c.getManifest("basic/img", "v1"));
            assertEquals("reading manifest v1 in " + registry.host() + "/basic/img: unauthorized: authentication required", e.getMessage());
        }
        try (RegistryClient c = RegistryClient.open(registry.host(), options().withCredentials(new Credentials(RegistryServer.USER, "wrong")))) {
            var e = assertThrows(PermissionDeniedException.class, c::checkLogin);
            assertTrue(e.getMessage().startsWith("logging in to " + registry.host() + ": unauthorized"), e.getMessage());
        }
    }
}
