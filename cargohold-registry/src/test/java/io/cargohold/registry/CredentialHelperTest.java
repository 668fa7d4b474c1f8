package io.cargohold.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.registry.config.RegistriesConf;
import io.cargohold.registry.config.RegistriesConfPaths;
import io.cargohold.testkit.registry.CredentialHelperScript;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credential helpers named by the auth file ({@code credHelpers}, {@code credsStore}), run as real programs:
 * a small shell script speaking docker-credential-helpers' protocol, made by the test, in front of a
 * basic-auth registry.
 */
class CredentialHelperTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;

    @TempDir
    Path tmp;
    Path bin;
    Path store;
    Path authFile;

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

    @BeforeEach
    void helper() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        store = Files.createDirectories(tmp.resolve("store"));
        authFile = tmp.resolve("auth.json");
        CredentialHelperScript.install(bin, "test");
    }

    private RegistryOptions options() {
        return RegistryOptions.defaults().withTlsVerify(false).withRetries(0, java.time.Duration.ofMillis(10)).withAuthFile(authFile)
                .withEnv(Map.of("HOME", tmp.toString(), "PATH", bin + ":" + System.getenv("PATH"), "HELPER_STORE", store.toString()));
    }

    private void helperHas(String server, String user, String secret) throws IOException {
        Files.writeString(store.resolve(server.replace('/', '_').replace(':', '_')),
                "{\"ServerURL\":\"" + server + "\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}");
    }

    private List<String> log() throws IOException {
        Path l = store.resolve("log");
        return Files.exists(l) ? Files.readAllLines(l) : List.of();
    }

    private void tags() throws IOException {
        tags(options());
    }

    private void tags(RegistryOptions o) throws IOException {
        try (RegistryClient c = RegistryClient.open(registry.host(), o)) {
            c.tags("helper/none");
        } catch (io.cargohold.errors.NotFoundException repositoryUnknownAfterAuth) {
            // authenticated: the registry says the repository is unknown
        }
    }

    @Test
    void aCredHelpersEntryIsAskedWithTheRegistryHost() throws IOException {
        helperHas(registry.host(), RegistryServer.USER, RegistryServer.PASSWORD);
        Files.writeString(authFile, "{\"credHelpers\":{\"" + registry.host() + "\":\"test\"},\"auths\":{}}");
        tags();
        assertEquals(List.of("get " + registry.host()), log());
        // a wrong secret from the helper is the registry's refusal
        helperHas(registry.host(), RegistryServer.USER, "wrong");
        assertThrows(PermissionDeniedException.class, this::tags);
    }

    @Test
    void theCredsStoreIsTheDefaultHelperAndTheFileTheFallback() throws IOException {
        helperHas(registry.host(), RegistryServer.USER, RegistryServer.PASSWORD);
        Files.writeString(authFile, "{\"credsStore\":\"test\"}");
        tags();
        assertEquals(List.of("get " + registry.host()), log());
        // the helper has nothing for the host: the auths entry serves
        Files.delete(store.resolve(registry.host().replace(':', '_')));
        String basic = new Credentials(RegistryServer.USER, RegistryServer.PASSWORD).basicToken();
        Files.writeString(authFile, "{\"credsStore\":\"test\",\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + basic + "\"}}}");
        tags();
        // neither: anonymous, refused
        Files.writeString(authFile, "{\"credsStore\":\"test\"}");
        assertThrows(PermissionDeniedException.class, this::tags);
    }

    @Test
    void loginAndLogoutGoThroughTheHelperOfACredHelpersEntry() throws IOException {
        String host = registry.host();
        Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"test\"}}");
        String before = Files.readString(authFile);
        RegistryLogin.login(host, new Credentials(RegistryServer.USER, RegistryServer.PASSWORD), options(), authFile);
        assertEquals(before, Files.readString(authFile), "the file is not written: the helper keeps the credentials");
        String kept = Files.readString(store.resolve(host.replace(':', '_')), StandardCharsets.UTF_8);
        assertTrue(kept.contains("\"Username\":\"" + RegistryServer.USER + "\"") && kept.contains(RegistryServer.PASSWORD), kept);
        tags();
        RegistryLogin.logout(host, options(), authFile);
        assertFalse(Files.exists(store.resolve(host.replace(':', '_'))));
        assertThrows(NotFoundException.class, () -> RegistryLogin.logout(host, options(), authFile));
        assertEquals(List.of("store " + host, "get " + host, "erase " + host, "erase " + host), log());
        // logout --all erases each helper's entry and empties credHelpers and auths
        RegistryLogin.login(host, new Credentials(RegistryServer.USER, RegistryServer.PASSWORD), options(), authFile);
        RegistryLogin.logoutAll(options(), authFile);
        assertFalse(Files.exists(store.resolve(host.replace(':', '_'))));
        assertFalse(Files.readString(authFile).contains(host), Files.readString(authFile));
    }

    /** The options with registries.conf (a file of the test's, through $CONTAINERS_REGISTRIES_CONF) saying {@code helpers}. */
    private RegistryOptions withRegistriesConf(String helpers) throws IOException {
        Path conf = tmp.resolve("registries.conf");
        Files.writeString(conf, "credential-helpers = " + helpers + "\n");
        Map<String, String> env = new java.util.HashMap<>(options().env());
        env.put(RegistriesConfPaths.ENV, conf.toString());
        RegistriesConf rc = RegistriesConf.load(RegistriesConfPaths.of(env));
        return rc.optionsFor(registry.host(), options().withEnv(env), false);
    }

    /**
     * registries.conf's credential-helpers, as containers/image v5.23 (pkg/docker/config): lookups ask each in order
     * (an external helper with the registry host), the first with credentials wins, a failing one is passed over and
     * reported only when none had any; explicit credentials ask none.
     */
    @Test
    void registriesConfCredentialHelpersAreAskedInOrder() throws IOException {
        String host = registry.host();
        RegistryOptions o = withRegistriesConf("[\"absent\", \"test\", \"containers-auth.json\"]");
        assertEquals(List.of("absent", "test", "containers-auth.json"), o.helpers());
        helperHas(host, RegistryServer.USER, RegistryServer.PASSWORD);
        String basic = new Credentials(RegistryServer.USER, "wrong").basicToken();
        Files.writeString(authFile, "{\"auths\":{\"" + host + "\":{\"auth\":\"" + basic + "\"}}}");
        tags(o); // the helper's (right) password, not the file's wrong one
        assertEquals(List.of("get " + host), log());
        // the helper has nothing: the auth file is next
        Files.delete(store.resolve(host.replace(':', '_')));
        Files.writeString(authFile, "{\"auths\":{\"" + host + "\":{\"auth\":\""
                + new Credentials(RegistryServer.USER, RegistryServer.PASSWORD).basicToken() + "\"}}}");
        tags(o);
        // none has any: the helper that failed is the error
        Files.writeString(authFile, "{}");
        var e = assertThrows(FailedPreconditionException.class, () -> tags(o));
        assertTrue(e.getMessage().contains("docker-credential-absent is not in $PATH"), e.getMessage());
        // without the failing one: anonymous, refused by the registry
        assertThrows(PermissionDeniedException.class, () -> tags(withRegistriesConf("[\"test\", \"containers-auth.json\"]")));
        // --creds: no helper asked
        Files.delete(store.resolve("log"));
        tags(o.withCredentials(new Credentials(RegistryServer.USER, RegistryServer.PASSWORD)));
        assertEquals(List.of(), log());
        // the default: the auth files alone (the helper is not asked)
        assertEquals(List.of("containers-auth.json"), options().helpers());
        helperHas(host, RegistryServer.USER, RegistryServer.PASSWORD);
        assertThrows(PermissionDeniedException.class, this::tags);
        assertEquals(List.of(), log());
    }

    /**
     * Login stores in the first helper that takes the credentials (v5.23 SetCredentials: a failing one is passed over),
     * logout removes from every helper (RemoveAuthentication), logout --all empties each (an external one through list).
     */
    @Test
    void loginStoresInTheFirstHelperAndLogoutRemovesFromAll() throws IOException {
        String host = registry.host();
        Credentials right = new Credentials(RegistryServer.USER, RegistryServer.PASSWORD);
        RegistryOptions o = withRegistriesConf("[\"absent\", \"test\", \"containers-auth.json\"]");
        assertEquals("credential helper test", RegistryLogin.login(host, right, o, null));
        assertTrue(Files.exists(store.resolve(host.replace(':', '_'))));
        assertFalse(Files.exists(authFile), "the auth file is not written");
        // the auth file first: login writes it, the helper is not asked
        RegistryOptions fileFirst = withRegistriesConf("[\"containers-auth.json\", \"test\"]");
        assertEquals(authFile.toString(), RegistryLogin.login(host, right, fileFirst, null));
        assertTrue(Files.readString(authFile).contains(host));
        assertEquals(List.of("store " + host), log());
        // logout: from both
        RegistryLogin.logout(host, fileFirst, null);
        assertFalse(Files.exists(store.resolve(host.replace(':', '_'))));
        assertFalse(Files.readString(authFile).contains(host), Files.readString(authFile));
        assertThrows(NotFoundException.class, () -> RegistryLogin.logout(host, fileFirst, null));
        // a helper that cannot be run makes logout fail (as upstream), naming it
        var e = assertThrows(FailedPreconditionException.class, () -> RegistryLogin.logout(host, o, null));
        assertTrue(e.getMessage().contains("docker-credential-absent"), e.getMessage());
        // logout --all: every server the helper lists is erased, and the file's entries
        helperHas("other.example:5000", "u", "p");
        RegistryLogin.login(host, right, fileFirst, null);
        RegistryLogin.login(host, right, withRegistriesConf("[\"test\"]"), null);
        RegistryLogin.logoutAll(o, null); // "absent" is not in $PATH: nothing to remove there, no error (upstream)
        try (var left = Files.list(store)) {
            assertEquals(List.of("log"), left.map(x -> x.getFileName().toString()).toList());
        }
        assertFalse(Files.readString(authFile).contains(host), Files.readString(authFile));
        assertTrue(log().contains("list "), log().toString());
    }

    @Test
    void brokenOrHostileHelpersAreClearErrors() throws IOException {
        String host = registry.host();
        Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"../../bin/sh\"}}");
        var e1 = assertThrows(InvalidArgumentException.class, this::tags);
        assertTrue(e1.getMessage().contains("not a plain name") && e1.getMessage().contains(authFile.toString()), e1.getMessage());

        Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"absent\"}}");
        var e2 = assertThrows(FailedPreconditionException.class, this::tags);
        assertTrue(e2.getMessage().contains("docker-credential-absent is not in $PATH"), e2.getMessage());

        CredentialHelperScript.install(bin, "broken", "#!/bin/sh\necho 'keychain locked' ; exit 3\n");
        Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"broken\"}}");
        var e3 = assertThrows(FailedPreconditionException.class, this::tags);
        assertTrue(e3.getMessage().contains("exit status 3: keychain locked"), e3.getMessage());

        CredentialHelperScript.install(bin, "garbage", "#!/bin/sh\necho 'not json'\n");
        Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"garbage\"}}");
        var e4 = assertThrows(FailedPreconditionException.class, this::tags);
        assertTrue(e4.getMessage().contains("not JSON"), e4.getMessage());

        CredentialHelperScript.install(bin, "token", "#!/bin/sh\ncat >/dev/null; echo '{\"Username\":\"<token>\",\"Secret\":\"refresh\"}'\n");
        Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"token\"}}");
        var e5 = assertThrows(FailedPreconditionException.class, this::tags);
        assertTrue(e5.getMessage().contains("identity token"), e5.getMessage());
        assertFalse(e5.getMessage().contains("refresh"), "no secret in messages: " + e5.getMessage());
    }
}
