package io.cargohold.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.testkit.registry.RegistryServer;
import io.cargohold.testkit.registry.TokenServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bearer token flow against a registry configured with {@code auth: token} and a token endpoint
 * the test serves (JWTs signed by a key the test made): scopes per repository and action, the cache,
 * the refresh after the registry rejects an expired token, and refusals.
 */
class TokenAuthTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.tokenAuth());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static RegistryOptions options(Credentials c) {
        return RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", dir.resolve("home").toString()))
                .withRetries(1, java.time.Duration.ofMillis(10)).withCredentials(c);
    }

    private static final Credentials USER = new Credentials(RegistryServer.USER, RegistryServer.PASSWORD);

    @Test
    void pushAndPullWithScopedTokensCachedPerScope() throws IOException {
        TokenServer t = registry.tokens();
        try (RegistryClient c = RegistryClient.open(registry.host(), options(USER))) {
            int before = t.requests();
            var m = RegistryClientTest.pushImage(c, "tok/img", "v1", RegistryClientTest.random(100, 1), RegistryClientTest.random(200, 2));
            for (int i = 0; i < 5; i++) {
                assertEquals(m.digest(), c.getManifest("tok/img", "v1").digest());
            }
            // one token for push (pull,push) and one for pull, however many requests
            assertEquals(2, t.requests() - before);
            assertTrue(t.scopesAsked().contains("repository:tok/img:pull,push"), t.scopesAsked().toString());
            assertTrue(t.scopesAsked().contains("repository:tok/img:pull"), t.scopesAsked().toString());
            c.checkLogin();
        }
    }

    @Test
    void expiredTokenIsFetchedAgainAfterA401() throws Exception {
        TokenServer t = registry.tokens();
        try (RegistryClient c = RegistryClient.open(registry.host(), options(USER))) {
            var m = RegistryClientTest.pushImage(c, "tok/expiry", "v1", RegistryClientTest.random(100, 3));
            // a new client (empty cache) gets a token the registry finds expired: 401, a fresh token, success
            try (RegistryClient fresh = RegistryClient.open(registry.host(), options(USER))) {
                t.issueExpired(1);
                int before = t.requests();
                assertEquals(m.digest(), fresh.getManifest("tok/expiry", "v1").digest());
                assertEquals(2, t.requests() - before);
            }
        }
    }

    @Test
    void anonymousAndWrongCredentialsAreRefused() throws IOException {
        try (RegistryClient c = RegistryClient.open(registry.host(), options(USER))) {
            RegistryClientTest.pushImage(c, "tok/anon", "v1", RegistryClientTest.random(100, 4));
        }
        try (RegistryClient c = RegistryClient.open(registry.host(), options(null))) {
            var e = assertThrows(PermissionDeniedException.class, () -> c.getManifest("tok/anon", "v1"));
            assertTrue(e.getMessage().contains("authentication required"), e.getMessage());
        }
        registry.tokens().anonymousPull(true);
        try (RegistryClient c = RegistryClient.open(registry.host(), options(null))) {
            c.getManifest("tok/anon", "v1");
            // pull only: a push is denied by the registry (the token lacks push)
            var e = assertThrows(PermissionDeniedException.class,
                    () -> RegistryClientTest.pushImage(c, "tok/anon", "v2", RegistryClientTest.random(100, 5)));
            assertTrue(e.getMessage().contains("writing blob"), e.getMessage());
        } finally {
            registry.tokens().anonymousPull(false);
        }
        try (RegistryClient c = RegistryClient.open(registry.host(), options(new Credentials(RegistryServer.USER, "wrong")))) {
            var e = assertThrows(PermissionDeniedException.class, () -> c.getManifest("tok/anon", "v1"));
            assertTrue(e.getMessage().contains("invalid username/password"), e.getMessage());
        }
    }
}
