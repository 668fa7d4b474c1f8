package io.cargohold.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * registries.conf as containers/image v5.23 reads it: Debian's shipped files, upstream's own test files
 * (pkg/sysregistriesv2/testdata, copied) with the results upstream's tests expect, and each error with
 * the text skopeo 1.9.3 prints for it (checked by hand with {@code skopeo --registries-conf}; the peer
 * test compares them automatically).
 */
class RegistriesConfTest {
    private static final String DIGEST = "@sha256:" + "a".repeat(64);

    @TempDir
    Path tmp;

    static Path res(String name) {
        try {
            return Path.of(RegistriesConfTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path upstream(String name) {
        return res("upstream/" + name);
    }

    /** SystemRegistriesConfPath = file, SystemRegistriesConfDirPath = dir (null: one that does not exist), an empty home. */
    RegistriesConfPaths paths(Path file, Path dir) {
        return new RegistriesConfPaths(tmp.resolve("etc/registries.conf"), dir == null ? tmp.resolve("this-does-not-exist") : dir,
                tmp.resolve("home"), file, "$CONTAINERS_REGISTRIES_CONF", tmp.resolve("cache/short-name-aliases.conf"));
    }

    RegistriesConf load(String upstreamFile) throws InvalidArgumentException {
        return RegistriesConf.load(paths(upstream(upstreamFile), null));
    }

    String error(Path file) {
        return assertThrows(InvalidArgumentException.class, () -> RegistriesConf.load(paths(file, null))).getMessage();
    }

    String error(String upstreamFile) {
        return error(upstream(upstreamFile));
    }

    Path file(String text) throws IOException {
        Path p = Files.createTempFile(tmp, "r", ".conf");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void debiansFilesLoad() throws IOException {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc/containers/registries.conf.d"));
        Files.copy(res("debian-registries.conf"), root.resolve("etc/containers/registries.conf"));
        Files.copy(res("debian-shortnames.conf"), root.resolve("etc/containers/registries.conf.d/shortnames.conf"));
        RegistriesConfPaths p = RegistriesConfPaths.under(root, Map.of("HOME", tmp.resolve("home").toString()));
        RegistriesConf c = RegistriesConf.load(p);
        assertEquals(List.of(), c.registries());
        assertEquals(List.of(), c.unqualifiedSearchRegistries());
        assertEquals(RegistriesConf.ShortNameMode.PERMISSIVE, c.shortNameMode());
        assertEquals(List.of("containers-auth.json"), c.credentialHelpers());
        assertEquals("docker.io/library/alpine", c.aliases().get("alpine").value().name());
        assertEquals("registry.fedoraproject.org/fedora", c.aliases().get("fedora").value().name());
        assertEquals(root.resolve("etc/containers/registries.conf.d/shortnames.conf").toString(), c.aliases().get("alpine").origin());
        assertEquals(List.of("loaded", "dir", "loaded", "absent"), c.files().stream().map(RegistriesConf.FileStatus::status).toList());
        // a short name through Debian's alias, another without one
        assertEquals("docker.io/library/alpine:3.18", ShortNames.resolve(c, null, "alpine:3.18", ShortNames.Purpose.PULL).candidates()
                .getFirst().toString());
        assertEquals("registry.fedoraproject.org/fedora:latest", ShortNames.resolve(c, null, "fedora", ShortNames.Purpose.PULL)
                .candidates().getFirst().toString());
        assertEquals("docker.io/library/nothere:latest", ShortNames.resolve(c, null, "nothere", ShortNames.Purpose.PULL).candidates()
                .getFirst().toString());
    }

    @Test
    void findRegistryLongestPrefixWithDropIns() throws InvalidArgumentException {
        RegistriesConf c = RegistriesConf.load(paths(upstream("find-registry.conf"), upstream("registries.conf.d")));
        assertEquals(19, c.registries().size());
        assertEquals("simple-prefix.com", c.findRegistry("simple-prefix.com/foo/bar:latest").prefix());
        assertEquals("subdomain-prefix.com", c.findRegistry("not.so.simple-prefix.com/").endpoint().location());
        assertEquals("subdomain-prefix-2.com", c.findRegistry("not.quite.simple-prefix.com").endpoint().location());
        assertEquals("subdomain-prefix-2.com", c.findRegistry("not.quite.simple-prefix.com:5000/with/path/and/beyond:tag").endpoint().location());
        assertEquals("subdomain-prefix-1-overridden-by-dropin-location.com",
                c.findRegistry("really.not.quite.simple-prefix.com:5000/with/path/and/beyond:tag").endpoint().location());
        assertEquals("subdomain-prefix-2.com", c.findRegistry("foo.docker.io:5000/omg/wtf/bbq:foo").endpoint().location());
        assertEquals("subdomain-prefix-3-overridden-by-dropin-location.com",
                c.findRegistry("foo.bar.example.com:6000/omg/wtf/bbq" + DIGEST).endpoint().location());
        assertEquals("subdomain-prefix-4.com", c.findRegistry("foo.bar.docker.io:5000/omg/wtf/bbq:foo").endpoint().location());
        assertEquals("subdomain-prefix-5.com", c.findRegistry("foo.bar.example.com:5000/omg/wtf/bbq:foo").endpoint().location());
        assertNull(c.findRegistry("simple-prefix.comx"));
        assertEquals("complex-prefix.com:4000/with/path", c.findRegistry("complex-prefix.com:4000/with/path/and/beyond:tag").prefix());
        assertEquals("another-registry.com:5000", c.findRegistry("complex-prefix.com:4000/with/path/and/beyond:tag").endpoint().location());
        assertEquals("no-prefix.com", c.findRegistry("no-prefix.com/foo:tag").endpoint().location());
        assertEquals("empty-prefix.com", c.findRegistry("empty-prefix.com/foo:tag").prefix());
    }

    @Test
    void dropInsMergeAsUpstream() throws InvalidArgumentException {
        RegistriesConf c = RegistriesConf.load(paths(upstream("base-for-registries.d.conf"), upstream("registries.conf.d")));
        assertEquals(List.of("example-overwrite.com"), c.unqualifiedSearchRegistries());
        assertEquals(upstream("registries.conf.d/config-1.conf").toString(), c.searchOrigin());
        assertEquals(List.of("subdomain-prefix-3-overridden-by-dropin-location.com", "subdomain-prefix-2-overridden-by-dropin-location.com",
                "subdomain-prefix-1-overridden-by-dropin-location.com", "1.com", "2.com", "base.com"),
                c.registries().stream().map(r -> r.endpoint().location()).toList());
        assertTrue(c.findRegistry("base.com/test:latest").blocked());
        // config-3.ignore is not read; a drop-in with no search list keeps the base's; one with [] empties it
        assertFalse(c.files().stream().anyMatch(f -> f.path().toString().endsWith(".ignore")));
        assertEquals(List.of("registry-a.com", "registry-c.com", "registry-d.com"),
                RegistriesConf.load(paths(upstream("unqualified-search.conf"), upstream("registries.conf.d-usr1"))).unqualifiedSearchRegistries());
        assertEquals(List.of(), RegistriesConf.load(paths(upstream("unqualified-search.conf"), upstream("registries.conf.d-usr2")))
                .unqualifiedSearchRegistries());
    }

    @Test
    void v1FormatIsConverted() throws InvalidArgumentException {
        RegistriesConf c = load("v1-compatibility.conf");
        assertEquals(4, c.registries().size());
        assertEquals(List.of("registry-a.com", "registry-c.com", "registry-d.com"), c.unqualifiedSearchRegistries());
        Registry b = c.findRegistry("registry-b.com/bar/foo/barfoo:latest");
        assertTrue(b.endpoint().insecure());
        assertTrue(b.blocked());
        for (String f : List.of("v1-invalid-block.conf", "v1-invalid-insecure.conf", "v1-invalid-search.conf")) {
            assertThrows(InvalidArgumentException.class, () -> load(f), f);
        }
        assertEquals("loading registries configuration \"" + upstream("mixing-v1-v2.conf") + "\": mixing sysregistry v1/v2 is not supported",
                error("mixing-v1-v2.conf"));
    }

    @Test
    void upstreamsErrorsWithItsTexts() throws IOException {
        Map<String, String> expected = Map.of(
                "insecure-conflicts.conf", "registry 'registry.com' is defined multiple times with conflicting 'insecure' setting",
                "blocked-conflicts.conf", "registry 'registry.com' is defined multiple times with conflicting 'blocked' setting",
                "missing-mirror-location.conf", "invalid condition: mirror location is unset",
                "invalid-prefix.conf", "invalid location 'http://schema-is-invalid.com': URI schemes are not supported",
                "invalid-search.conf", "Invalid unqualified-search-registries entry \"registry-a.com/namespace-is-forbidden\"",
                "invalid-short-name-mode.conf", "invalid short-name mode: \"invalid\"",
                "invalid-config-level-mirror.conf", "pull-from-mirror must not be set for a non-mirror registry \"registry-a.com/foo\"",
                "invalid-conflict-mirror.conf", "cannot set mirror usage mirror-by-digest-only for the registry (\"registry-a.com/foo\") and "
                        + "pull-from-mirror for per-mirror (\"mirror-1.registry-a.com\") at the same time",
                "invalid-value-mirror.conf", "unsupported pull-from-mirror value \"notvalid\" for mirror \"mirror-1.registry-a.com\"");
        for (var e : expected.entrySet()) {
            assertEquals("loading registries configuration \"" + upstream(e.getKey()) + "\": " + e.getValue(), error(e.getKey()), e.getKey());
        }
        // every bad alias is reported (Go's map order decides which comes first)
        String aliases = error("invalid-aliases.conf");
        assertTrue(aliases.startsWith("loading registries configuration \"" + upstream("invalid-aliases.conf") + "\": validating short-name aliases: "), aliases);
        assertTrue(aliases.contains("invalid alias \"image:1\": must not contain tag"), aliases);
        assertTrue(aliases.contains("\n: invalid alias \"quay.io/repo/image:1\": must not contain tag")
                || aliases.contains("\n: invalid alias \"image:1\": must not contain tag"), aliases);
        // an explicitly named file must exist; the default one need not
        Path missing = tmp.resolve("this-does-not-exist.conf");
        assertEquals("loading registries configuration \"" + missing + "\": open " + missing + ": no such file or directory", error(missing));
        RegistriesConfPaths none = new RegistriesConfPaths(missing, tmp.resolve("nodir"), tmp.resolve("home"), null, null, null);
        RegistriesConf empty = RegistriesConf.load(none);
        assertEquals("absent", empty.files().getFirst().status());
        assertEquals("", empty.searchOrigin());
        // TOML type errors as BurntSushi words them (without its "line N")
        assertEquals("toml: (last key \"unqualified-search-registries\"): incompatible types: TOML value has type string; destination has type slice",
                tail(error(file("unqualified-search-registries = \"x\"\n"))));
        assertEquals("toml: (last key \"registry\"): incompatible types: TOML value has type map[string]interface {}; destination has type slice",
                tail(error(file("[registry]\nlocation=\"a.com\"\n"))));
        assertEquals("toml: (last key \"registry.location\"): incompatible types: TOML value has type int64; destination has type string",
                tail(error(file("[[registry]]\nlocation = 5\n"))));
        assertEquals("toml: (last key \"registry.mirror.insecure\"): incompatible types: TOML value has type string; destination has type boolean",
                tail(error(file("[[registry]]\nlocation = \"a.com\"\n[[registry.mirror]]\nlocation=\"m.com\"\ninsecure = \"yes\"\n"))));
        assertTrue(tail(error(file("a = [\n"))).startsWith("toml: line 1: "));
        // a drop-in must be v2
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve("v1.conf"), "[registries.search]\nregistries = [\"a.com\"]\n");
        var ex = assertThrows(InvalidArgumentException.class, () -> RegistriesConf.load(paths(upstream("empty.conf"), dir)));
        assertEquals("loading drop-in registries configuration \"" + dir.resolve("v1.conf") + "\": registry must be in v2 format but is in v1",
                ex.getMessage());
        RegistriesConf.Report r = RegistriesConf.report(paths(upstream("empty.conf"), dir));
        assertNotNull(r.error());
        assertEquals("error", r.files().getLast().status());
    }

    private static String tail(String message) {
        return message.substring(message.indexOf("\": ") + 3);
    }

    @Test
    void pullSourcesRewriteAndFilterMirrors() throws InvalidArgumentException {
        RegistriesConf c = load("pull-sources-from-reference.conf");
        assertEquals(2, c.registries().size());
        Registry a = c.findRegistry("registry-a.com/foo/image:latest");
        List<Registry.PullSource> s = a.pullSources(DockerReference.parseNormalized("registry-a.com/foo/image" + DIGEST));
        assertEquals(3, s.size());
        assertEquals("mirror-1.registry-a.com/image" + DIGEST, s.get(0).reference().toString());
        assertTrue(s.get(1).endpoint().insecure());
        assertEquals("registry-a.com/bar/image:aaa", a.pullSources(DockerReference.parseNormalized("registry-a.com/foo/image:aaa")).get(2)
                .reference().toString());
        Registry b = c.findRegistry("registry-b.com/foo/image:latest");
        s = b.pullSources(DockerReference.parseNormalized("registry-b.com/foo/image" + DIGEST));
        assertEquals("registry-b.com/bar/image" + DIGEST, s.get(2).reference().toString());
        assertEquals(1, b.pullSources(DockerReference.parseNormalized("registry-b.com/foo/image:aaa")).size());

        RegistriesConf m = load("pull-sources-mirror-reference.conf");
        assertEquals(7, m.registries().size());
        Map<String, List<List<String>>> cases = Map.of(
                "registry-a.com", List.of(List.of("mirror-1.registry-a.com", "mirror-2.registry-a.com", "registry-a.com/bar"),
                        List.of("mirror-1.registry-a.com", "mirror-2.registry-a.com", "registry-a.com/bar")),
                "registry-b.com", List.of(List.of("mirror-1.registry-b.com", "mirror-2.registry-b.com", "registry-b.com/bar"),
                        List.of("registry-b.com/bar")),
                "registry-c.com", List.of(List.of("mirror-1.registry-c.com", "mirror-2.registry-c.com", "registry-c.com/bar"),
                        List.of("mirror-1.registry-c.com", "registry-c.com/bar")),
                "registry-e.com", List.of(List.of("registry-e.com/bar"),
                        List.of("mirror-1.registry-e.com", "mirror-2.registry-e.com", "registry-e.com/bar")),
                "registry-g.com", List.of(List.of("mirror-1.registry-g.com", "mirror-3.registry-g.com", "mirror-4.registry-g.com", "registry-g.com/bar"),
                        List.of("mirror-2.registry-g.com", "mirror-3.registry-g.com", "mirror-4.registry-g.com", "registry-g.com/bar")));
        for (var e : cases.entrySet()) {
            DockerReference digested = DockerReference.parseNormalized(e.getKey() + "/foo/image" + DIGEST);
            DockerReference tagged = DockerReference.parseNormalized(e.getKey() + "/foo/image:latest");
            assertEquals(e.getValue().get(0), m.findRegistry(digested.name()).pullSources(digested).stream().map(p -> p.endpoint().location()).toList());
            assertEquals(e.getValue().get(1), m.findRegistry(tagged.name()).pullSources(tagged).stream().map(p -> p.endpoint().location()).toList());
        }
    }

    @Test
    void invalidRewritesFail() {
        String[][] cases = {
                {"example.com/foo/image:latest", "example.com/foo", "example.com/path/"},
                {"example.com/foo" + DIGEST, "example.com/foo", "example.com"},
                {"example.com:5000/image:latest", "example.com", ""},
                {"example.com:5000/image:latest", "example.com", "example.com:5000"},
                {"example.com/foo/image:latest", "example.com//foo", "example.com/path"},
                {"example.com/image:latest", "image", "anotherimage"},
                {"example.com/foo/image:latest", "example.com/foo/", "example.com"},
                {"example.com/foo/image", "example.com/fo", "example.com/foo"},
                {"example.com/foo:latest", "example.com/fo", "example.com/foo"},
                {"example.com/foo" + DIGEST, "example.com/fo", "example.com/foo"},
                {"docker.io/library/image", "example.com", "example.com"},
                {"docker.io/library/image", "*.com", "example.com"},
                {"foo.docker.io/library/image", "*.example.com", "example.com/image"},
                {"foo.docker.io/library/image", "*.docker.com", "example.com/image"},
        };
        for (String[] c : cases) {
            assertThrows(InvalidArgumentException.class,
                    () -> new Endpoint(c[2], false, "").rewrite(DockerReference.parseNormalizedNamed(c[0]), c[1]), String.join(" ", c));
        }
    }

    @Test
    void shortNamesAliasesSearchAndModes() throws IOException {
        RegistriesConf c = load("aliases.conf");
        assertEquals(RegistriesConf.ShortNameMode.ENFORCING, c.shortNameMode());
        ShortNames.Resolved r = ShortNames.resolve(c, null, "quay/foo:v1", ShortNames.Purpose.PULL);
        assertEquals(List.of("quay.io/library/foo:v1"), r.candidates().stream().map(Object::toString).toList());
        assertEquals("Resolved \"quay/foo\" as an alias (" + upstream("aliases.conf") + ")", r.description());
        assertEquals("docker.io/library/foo" + DIGEST, ShortNames.resolve(c, null, "docker" + DIGEST, ShortNames.Purpose.PULL)
                .candidates().getFirst().toString());
        assertNull(c.aliases().get("empty").value());

        Path conf = file("unqualified-search-registries = [\"one.example\", \"two.example:5000\"]\n[aliases]\n\"app\" = \"three.example/ns/app\"\n");
        RegistriesConf s = RegistriesConf.load(paths(conf, null));
        assertEquals(List.of("one.example/other:latest", "two.example:5000/other:latest"),
                ShortNames.resolve(s, null, "other", ShortNames.Purpose.PULL).candidates().stream().map(Object::toString).toList());
        assertEquals(List.of("three.example/ns/app:1"),
                ShortNames.resolve(s, null, "app:1", ShortNames.Purpose.PUSH).candidates().stream().map(Object::toString).toList());
        var push = assertThrows(InvalidArgumentException.class, () -> ShortNames.resolve(s, null, "other", ShortNames.Purpose.PUSH));
        assertTrue(push.getMessage().contains("a push needs a fully-qualified name"), push.getMessage());
        // fully qualified names are not looked up
        assertEquals(List.of("localhost/other:latest"), ShortNames.resolve(s, null, "localhost/other", ShortNames.Purpose.PULL)
                .candidates().stream().map(Object::toString).toList());
        // enforcing with several candidates: upstream's no-TTY error (Cargohold never prompts)
        Path enforcing = file("short-name-mode = \"enforcing\"\nunqualified-search-registries = [\"one.example\", \"two.example\"]\n");
        assertEquals("short-name resolution enforced but cannot prompt without a TTY", assertThrows(InvalidArgumentException.class,
                () -> ShortNames.resolve(RegistriesConf.load(paths(enforcing, null)), null, "x", ShortNames.Purpose.PULL)).getMessage());
        // the machine-written short-name-aliases.conf wins over registries.conf
        Path machine = file("[aliases]\n\"app\" = \"four.example/app\"\n");
        assertEquals("four.example/app:latest", ShortNames.resolve(s, machine, "app", ShortNames.Purpose.PULL).candidates().getFirst().toString());
    }

    @Test
    void userFileReplacesTheSystemFile() throws IOException {
        Path root = tmp.resolve("root");
        Path home = tmp.resolve("home");
        Files.createDirectories(root.resolve("etc/containers/registries.conf.d"));
        Files.writeString(root.resolve("etc/containers/registries.conf"), "unqualified-search-registries = [\"system.example\"]\n");
        Files.writeString(root.resolve("etc/containers/registries.conf.d/a.conf"), "[aliases]\n\"sys\" = \"system.example/sys\"\n");
        Map<String, String> env = Map.of("HOME", home.toString());
        RegistriesConf sys = RegistriesConf.load(RegistriesConfPaths.under(root, env));
        assertEquals(List.of("system.example"), sys.unqualifiedSearchRegistries());
        assertTrue(sys.aliases().containsKey("sys"));
        Files.createDirectories(home.resolve(".config/containers/registries.conf.d"));
        Files.writeString(home.resolve(".config/containers/registries.conf"), "unqualified-search-registries = [\"user.example\"]\n");
        Files.writeString(home.resolve(".config/containers/registries.conf.d/b.conf"), "[aliases]\n\"usr\" = \"user.example/usr\"\n");
        RegistriesConf user = RegistriesConf.load(RegistriesConfPaths.under(root, env));
        assertEquals(List.of("user.example"), user.unqualifiedSearchRegistries());
        assertFalse(user.aliases().containsKey("sys")); // the system drop-ins are not read with a user file
        assertTrue(user.aliases().containsKey("usr"));
        // $CONTAINERS_REGISTRIES_CONF wins over both, and the system and user drop-ins are read with it
        Path over = file("unqualified-search-registries = [\"env.example\"]\n");
        RegistriesConf env2 = RegistriesConf.load(RegistriesConfPaths.under(root, Map.of("HOME", home.toString(), "CONTAINERS_REGISTRIES_CONF",
                over.toString())));
        assertEquals(List.of("env.example"), env2.unqualifiedSearchRegistries());
        assertTrue(env2.aliases().containsKey("sys") && env2.aliases().containsKey("usr"));
        assertEquals("$CONTAINERS_REGISTRIES_CONF", env2.files().getFirst().role());
    }
}
