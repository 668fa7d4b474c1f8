package io.cargohold.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.errors.UnavailableException;
import io.cargohold.registry.RegistryOptions;
import io.cargohold.registry.docker.BlobLocations;
import io.cargohold.registry.docker.DockerTransport;
import io.cargohold.registry.docker.RegistryInspector;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * registries.conf wired into docker:// against two real Debian docker-registry processes (plain HTTP):
 * a mirror that has the image wins, a mirror without it (or down) falls back to the location, a blocked
 * registry is refused, {@code insecure = true} is what lets a plain-HTTP registry be used without
 * {@code --tls-verify=false}, aliases and unqualified-search-registries resolve short names, and skopeo
 * 1.9.3 given the same file ({@code --registries-conf}) reads from the same source and reports the same
 * errors for bad files.
 */
class RegistriesConfPullTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static RegistryServer primary;
    static RegistryServer mirror;
    static String primaryDigest;
    static String mirrorDigest;
    static WrittenLayout primaryImage;


    @TempDir
    Path tmp;

    /** Setup copies: TLS verification off explicitly, no registries.conf. */
    static Transports plain() {
        RegistryOptions o = RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", dir.toString()))
                .withRetries(0, Duration.ofMillis(10));
        return Transports.standard().with(DockerTransport.with(o, new BlobLocations())
                .withRegistriesConf(new RegistriesConfPaths(dir.resolve("none.conf"), dir.resolve("none.d"), dir, null, null, null)));
    }

    static CopyContext context(Path t) {
        return CopyContext.of(t.resolve("cargohold"), StoreOptions.vfs(t.resolve("g"), t.resolve("r")));
    }

    @BeforeAll
    static void start() throws IOException {
        primary = RegistryServer.start(dir.resolve("primary"), RegistryServer.Setup.plainHttp());
        mirror = RegistryServer.start(dir.resolve("mirror"), RegistryServer.Setup.plainHttp());
        primaryImage = TestImages.small(dir.resolve("a"), 71);
        WrittenLayout b = TestImages.small(dir.resolve("b"), 72);
        Transports t = plain();
        primaryDigest = ImageCopier.copy(t.parse("oci:" + primaryImage.dir() + ":latest"), t.parse("docker://" + primary.host() + "/lib/app:v1"),
                context(dir.resolve("c1")), CopyOptions.defaults()).manifestDigest().toString();
        ImageCopier.copy(t.parse("oci:" + primaryImage.dir() + ":latest"), t.parse("docker://" + primary.host() + "/lib/app:only-primary"),
                context(dir.resolve("c1")), CopyOptions.defaults());
        mirrorDigest = ImageCopier.copy(t.parse("oci:" + b.dir() + ":latest"), t.parse("docker://" + mirror.host() + "/mirror/app:v1"),
                context(dir.resolve("c2")), CopyOptions.defaults()).manifestDigest().toString();
        org.junit.jupiter.api.Assertions.assertNotEquals(primaryDigest, mirrorDigest); // so a pull's digest says where it came from
    }

    @AfterAll
    static void stop() {
        if (primary != null) {
            primary.close();
        }
        if (mirror != null) {
            mirror.close();
        }
    }

    /** A transport reading only {@code conf} (no host files), TLS verification as the file says. */
    Transports with(String conf) throws IOException {
        Path f = tmp.resolve("registries.conf");
        Files.writeString(f, conf);
        RegistryOptions o = RegistryOptions.defaults().withEnv(Map.of("HOME", tmp.toString())).withRetries(0, Duration.ofMillis(10))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20));
        return Transports.standard().with(DockerTransport.with(o, new BlobLocations(), null)
                .withRegistriesConf(new RegistriesConfPaths(tmp.resolve("none.conf"), tmp.resolve("none.d"), tmp, f, "$CONTAINERS_REGISTRIES_CONF",
                        tmp.resolve("aliases.conf"))));
    }

    String pull(Transports t, String ref) throws IOException {
        return ImageCopier.copy(t.parse("docker://" + ref), t.parse("oci:" + tmp.resolve("out") + ":x"), context(tmp), CopyOptions.defaults())
                .manifestDigest().toString();
    }

    String mirrored(boolean mirrorUp) {
        return """
                [[registry]]
                prefix = "%s/lib"
                location = "%s/lib"
                insecure = true
                [[registry.mirror]]
                location = "%s/mirror"
                insecure = true
                """.formatted(primary.host(), primary.host(), mirrorUp ? mirror.host() : "127.0.0.1:9");
    }

    @Test
    void mirrorHitIsUsedFirst() throws IOException {
        assertEquals(mirrorDigest, pull(with(mirrored(true)), primary.host() + "/lib/app:v1"));
        // a digest reference too: the mirror has it under the rewritten name
        assertEquals(mirrorDigest, pull(with(mirrored(true)), primary.host() + "/lib/app@" + mirrorDigest));
    }

    @Test
    void mirrorMissFallsBackToTheLocation() throws IOException {
        assertEquals(primaryDigest, pull(with(mirrored(true)), primary.host() + "/lib/app:only-primary"));
        assertEquals(primaryDigest, pull(with(mirrored(false)), primary.host() + "/lib/app:v1"));
        // both fail: upstream's "(Mirrors also failed: …)" with each source's error, the primary's last
        var e = assertThrows(IOException.class, () -> pull(with(mirrored(true)), primary.host() + "/lib/app:nowhere"));
        assertTrue(e.getMessage().startsWith("(Mirrors also failed: [" + mirror.host() + "/mirror/app:nowhere: "), e.getMessage());
        assertTrue(e.getMessage().contains("]): " + primary.host() + "/lib/app:nowhere: "), e.getMessage());
    }

    @Test
    void blockedRegistryIsRefused() throws IOException {
        Transports t = with("[[registry]]\nlocation = \"%s/lib\"\nblocked = true\ninsecure = true\n".formatted(primary.host()));
        var e = assertThrows(PermissionDeniedException.class, () -> pull(t, primary.host() + "/lib/app:v1"));
        assertEquals("registry " + primary.host() + "/lib is blocked in " + tmp.resolve("registries.conf") + " or "
                + tmp.resolve(".config/containers/registries.conf.d"), e.getMessage());
        var push = assertThrows(PermissionDeniedException.class, () -> ImageCopier.copy(t.parse("oci:" + primaryImage.dir() + ":latest"),
                t.parse("docker://" + primary.host() + "/lib/pushed:v1"), context(tmp), CopyOptions.defaults()));
        assertTrue(push.getMessage().contains("is blocked in"), push.getMessage());
        // other repositories of the same registry are not
        assertEquals(mirrorDigest, pull(with("[[registry]]\nlocation = \"%s/lib\"\nblocked = true\n[[registry]]\nlocation = \"%s\"\ninsecure = true\n"
                .formatted(primary.host(), mirror.host())), mirror.host() + "/mirror/app:v1"));
    }

    @Test
    void insecureIsWhatAllowsPlainHttp() throws IOException {
        // no [[registry]]: TLS required, the plain-HTTP registry cannot be used
        assertThrows(UnavailableException.class, () -> pull(with(""), primary.host() + "/lib/app:v1"));
        assertEquals(primaryDigest, pull(with("[[registry]]\nlocation = \"%s\"\ninsecure = true\n".formatted(primary.host())),
                primary.host() + "/lib/app:v1"));
        // an explicit --tls-verify=true wins over the file
        Path f = tmp.resolve("insecure.conf");
        Files.writeString(f, "[[registry]]\nlocation = \"%s\"\ninsecure = true\n".formatted(primary.host()));
        Transports strict = Transports.standard().with(DockerTransport.with(RegistryOptions.defaults().withEnv(Map.of("HOME", tmp.toString()))
                .withRetries(0, Duration.ofMillis(10)), new BlobLocations(), Boolean.TRUE)
                .withRegistriesConf(new RegistriesConfPaths(tmp.resolve("none.conf"), tmp.resolve("none.d"), tmp, f, "$X", null)));
        assertThrows(UnavailableException.class, () -> pull(strict, primary.host() + "/lib/app:v1"));
    }

    @Test
    void aliasesAndSearchRegistriesResolveShortNames() throws IOException {
        String insecure = "[[registry]]\nlocation = \"%s\"\ninsecure = true\n[[registry]]\nlocation = \"%s\"\ninsecure = true\n"
                .formatted(primary.host(), mirror.host());
        Transports alias = with("[aliases]\n\"myapp\" = \"%s/lib/app\"\n%s".formatted(primary.host(), insecure));
        assertEquals(primaryDigest, pull(alias, "myapp:v1"));
        // search list: tried in order; the first lacks lib/app, the second has it
        Transports search = with("unqualified-search-registries = [\"%s\", \"%s\"]\n%s".formatted(mirror.host(), primary.host(), insecure));
        assertEquals(primaryDigest, pull(search, "lib/app:v1"));
        var none = assertThrows(IOException.class, () -> pull(search, "lib/none:v1"));
        assertTrue(none.getMessage().startsWith("2 errors occurred while pulling:\n * "), none.getMessage());
        // a push of a short name with two search registries is ambiguous; with one it goes there
        var push = assertThrows(InvalidArgumentException.class, () -> ImageCopier.copy(search.parse("oci:" + primaryImage.dir() + ":latest"),
                search.parse("docker://pushed/app:v1"), context(tmp), CopyOptions.defaults()));
        assertTrue(push.getMessage().contains("a push needs a fully-qualified name"), push.getMessage());
        Transports one = with("unqualified-search-registries = [\"%s\"]\n%s".formatted(mirror.host(), insecure));
        ImageCopier.copy(one.parse("oci:" + primaryImage.dir() + ":latest"), one.parse("docker://pushed/app:v1"), context(tmp), CopyOptions.defaults());
        assertEquals(primaryDigest, pull(plain(), mirror.host() + "/pushed/app:v1"));
        // inspect follows the same sources
        var in = RegistryInspector.inspect((io.cargohold.registry.docker.DockerImageReference) alias.parse("docker://myapp:v1"), null, true);
        assertEquals(primaryDigest, in.topLevel().digest().toString());
        assertEquals(primary.host() + "/lib/app", in.name());
    }

    @Test
    void skopeoPicksTheSameSourceAndReportsTheSameErrors() throws IOException {
        Path skopeo = Tools.require("skopeo");
        for (String[] c : new String[][] {{mirrored(true), "lib/app:v1", mirrorDigest}, {mirrored(true), "lib/app:only-primary", primaryDigest},
                {mirrored(false), "lib/app:v1", primaryDigest}}) {
            Path f = tmp.resolve("peer.conf");
            Files.writeString(f, c[0]);
            String ref = primary.host() + "/" + c[1];
            String theirs = JSON.readTree(Tools.ok(skopeo, "--registries-conf", f, "inspect", "--no-tags", "--retry-times", "0", "docker://" + ref)
                    .out()).path("Digest").asText();
            assertEquals(c[2], theirs, c[1]);
            assertEquals(theirs, pull(with(c[0]), ref), c[1]);
        }
        // the same message for each bad file (BurntSushi's "line N" aside)
        for (String bad : new String[] {"insecure-conflicts.conf", "invalid-search.conf", "invalid-short-name-mode.conf", "mixing-v1-v2.conf",
                "invalid-prefix.conf", "invalid-value-mirror.conf", "invalid-conflict-mirror.conf"}) {
            Path f = RegistriesConfTest.upstream(bad);
            String theirs = Tools.run(skopeo, "--registries-conf", f, "inspect", "docker://" + primary.host() + "/x").stderr();
            String ours = assertThrows(InvalidArgumentException.class, () -> RegistriesConf.load(new RegistriesConfPaths(tmp.resolve("n"),
                    tmp.resolve("n.d"), tmp, f, "$X", null))).getMessage();
            assertTrue(theirs.contains(goQuoted(ours)), bad + ": skopeo said " + theirs + "; we say " + ours);
        }
        Path typeError = tmp.resolve("type.conf");
        Files.writeString(typeError, "[[registry]]\nlocation = 5\n");
        String theirs = Tools.run(skopeo, "--registries-conf", typeError, "inspect", "docker://" + primary.host() + "/x").stderr();
        String ours = assertThrows(InvalidArgumentException.class, () -> RegistriesConf.load(new RegistriesConfPaths(tmp.resolve("n"),
                tmp.resolve("n.d"), tmp, typeError, "$X", null))).getMessage();
        assertTrue(theirs.contains(goQuoted(ours).replace("toml: (last key", "toml: line 2 (last key")), theirs + " / " + ours);
    }

    /** The text as logrus prints it inside msg="…" (quotes escaped). */
    private static String goQuoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
