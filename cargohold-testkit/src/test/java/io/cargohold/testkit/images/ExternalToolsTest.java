package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cases read by the real tools: skopeo (inspect, inspect --raw, copy) and umoci (unpack). A
 * missing tool skips these tests, or fails them with CI=true.
 */
class ExternalToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static java.util.stream.Stream<Cases> cases() {
        return Cases.all();
    }

    /** skopeo reads every reference of every case, reporting the digest we wrote. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void skopeoInspectsAndCopiesEveryReference(Cases c, @TempDir Path tmp) throws IOException {
        Path skopeo = Tools.require("skopeo");
        WrittenLayout w = c.write(tmp.resolve("layout"), TestImages.DEFAULT_SEED);
        Path policy = policy(tmp);
        for (WrittenRef ref : w.refs()) {
            if (ref.name().equals("bare")) {
                continue; // a Docker manifest straight in index.json: skopeo 1.9 does not see it (see TestImages.dockerSchema2)
            }
            String src = w.skopeoRef(ref.name());
            JsonNode inspect = JSON.readTree(Tools.ok(skopeo, "inspect", src).stdout());
            assertEquals(ref.digest(), inspect.get("Digest").asText(), src);
            assertEquals("linux", inspect.get("Os").asText());
            assertEquals("amd64", inspect.get("Architecture").asText(), "the host's platform from an index");
            ImageInfo amd64 = ref.image(Platform.LINUX_AMD64);
            assertEquals(amd64.layers().stream().map(Descriptor::digest).toList(), strings(inspect.get("Layers")));

            byte[] raw = Tools.ok(skopeo, "inspect", "--raw", src).stdout();
            assertEquals(ref.digest(), LayoutCheck.sha256(raw), "inspect --raw returns the manifest bytes");
            byte[] config = Tools.ok(skopeo, "inspect", "--config", "--raw", src).stdout();
            assertEquals(amd64.config().digest(), LayoutCheck.sha256(config));

            // --preserve-digests: without it skopeo gzips uncompressed layers (new manifest digest)
            Path copy = tmp.resolve("copy-" + ref.name());
            Tools.ok(skopeo, "--policy", policy, "copy", "--quiet", "--all", "--preserve-digests", src, "oci:" + copy + ":" + ref.name());
            JsonNode copied = JSON.readTree(copy.resolve("index.json").toFile());
            assertEquals(1, copied.get("manifests").size());
            JsonNode entry = copied.get("manifests").get(0);
            assertEquals(ref.digest(), entry.get("digest").asText());
            assertEquals(ref.name(), entry.get("annotations").get(MediaTypes.REF_NAME).asText());
            JsonNode reinspect = JSON.readTree(Tools.ok(skopeo, "inspect", "oci:" + copy + ":" + ref.name()).stdout());
            assertEquals(ref.digest(), reinspect.get("Digest").asText());
        }
    }

    @Test
    void skopeoSelectsEachPlatformOfTheMultiArchIndex(@TempDir Path tmp) throws IOException {
        Path skopeo = Tools.require("skopeo");
        WrittenLayout w = TestImages.multiArch(tmp.resolve("layout"));
        WrittenRef ref = w.ref("latest");
        for (Platform p : List.of(Platform.LINUX_AMD64, Platform.LINUX_ARM64_V8)) {
            List<Object> cmd = new ArrayList<>(List.of(skopeo, "--override-os", p.os(), "--override-arch", p.architecture()));
            if (p.variant() != null) {
                cmd.addAll(List.of("--override-variant", p.variant()));
            }
            cmd.addAll(List.of("inspect", "--config", "--raw", w.skopeoRef("latest")));
            byte[] config = Tools.ok(cmd.toArray()).stdout();
            assertEquals(ref.image(p).config().digest(), LayoutCheck.sha256(config), p.toString());
            JsonNode c = JSON.readTree(config);
            assertEquals(p.architecture(), c.get("architecture").asText());
            assertEquals(p.variant() == null ? "" : p.variant(), c.path("variant").asText(""));
        }
    }

    @Test
    void skopeoReadsTheDockerArchive(@TempDir Path tmp) throws IOException {
        Path skopeo = Tools.require("skopeo");
        WrittenDockerArchive w = TestImages.dockerArchive(tmp.resolve("app.docker.tar"));
        WrittenDockerArchive.ArchivedImage img = w.image();
        JsonNode inspect = JSON.readTree(Tools.ok(skopeo, "inspect", w.skopeoRef()).stdout());
        assertEquals(img.skopeoDigest(), inspect.get("Digest").asText(), "the manifest skopeo synthesises");
        assertEquals(img.diffIds(), strings(inspect.get("Layers")), "docker-archive layers are the uncompressed tars");
        assertEquals("amd64", inspect.get("Architecture").asText());
        byte[] raw = Tools.ok(skopeo, "inspect", "--raw", w.skopeoRef()).stdout();
        assertEquals(img.skopeoDigest(), LayoutCheck.sha256(raw));
        byte[] config = Tools.ok(skopeo, "inspect", "--config", "--raw", w.skopeoRef()).stdout();
        assertEquals(img.config().digest(), LayoutCheck.sha256(config));
        // also by name:tag, and into an OCI layout
        Tools.ok(skopeo, "inspect", w.skopeoRef() + ":app:latest");
        Tools.ok(skopeo, "--policy", policy(tmp), "copy", "--quiet", w.skopeoRef(), "oci:" + tmp.resolve("oci") + ":latest");
        JsonNode copied = JSON.readTree(Tools.ok(skopeo, "inspect", "oci:" + tmp.resolve("oci") + ":latest").stdout());
        assertEquals(img.diffIds().size(), copied.get("Layers").size());
    }

    @Test
    void umociUnpacksSmallAndBothTags(@TempDir Path tmp) throws IOException {
        Path umoci = Tools.require("umoci");
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        Path r = unpack(umoci, small, "latest", tmp.resolve("b-small"));
        assertEquals("chtest-app\n", Files.readString(r.resolve("etc/hostname")), "the upper layer's file wins");
        assertEquals(inode(r.resolve("usr/bin/busybox")), inode(r.resolve("usr/bin/ls")));
        assertEquals(Path.of("usr/bin"), Files.readSymbolicLink(r.resolve("bin")));
        assertEquals(04755, mode(r.resolve("usr/local/bin/suid-tool")) & 07777);
        assertTrue(Files.isRegularFile(r.resolve("opt/app/bin/start.sh")));

        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        Path latest = unpack(umoci, two, "latest", tmp.resolve("b-latest"));
        Path v2 = unpack(umoci, two, "v2", tmp.resolve("b-v2"));
        assertEquals("1.0.0\n", Files.readString(latest.resolve("opt/app/release/VERSION")));
        assertEquals("2.0.0\n", Files.readString(v2.resolve("opt/app/release/VERSION")));
        assertEquals(List.of("alpha", "delta", "epsilon"), list(latest.resolve("opt/app/plugins")), "opaque dir: beta, gamma gone");
        assertEquals(List.of("alpha", "delta", "zeta"), list(v2.resolve("opt/app/plugins")));
        assertTrue(Files.exists(latest.resolve("opt/app/conf/logging.json")));
        assertFalse(Files.exists(v2.resolve("opt/app/conf/logging.json")), "whited out in v2's top layer");
    }

    @Test
    void umociUnpacksTheEdgeCases(@TempDir Path tmp) throws IOException {
        Path umoci = Tools.require("umoci");
        boolean root = Tools.isRoot(tmp);
        WrittenLayout w = TestImages.hardlinksWhiteoutsOddNames(tmp.resolve("layout"));
        Path r = unpack(umoci, w, "latest", tmp.resolve("bundle"));
        Path a = r.resolve("usr/share/app");

        // hard links share an inode, within a layer and into a lower layer
        Object original = inode(a.resolve("hardlinks/original.txt"));
        for (String p : List.of("hardlinks/link-same-dir", "hardlinks-other/link-other-dir", "hardlinks/a-sorts-first")) {
            assertEquals(original, inode(a.resolve(p)), p);
        }
        assertEquals(inode(a.resolve("hardlinks/empty-original")), inode(a.resolve("hardlinks/empty-link")));
        Object suid = inode(r.resolve("usr/local/bin/suid-tool"));
        assertEquals(suid, inode(r.resolve("usr/local/bin/suid-tool.hardlink")));
        assertEquals(suid, inode(r.resolve("opt/app/bin/hardlink-to-lower-layer")), "cross-layer hard link");
        assertEquals(inode(r.resolve("opt/app/lib/shared.so")), inode(r.resolve("opt/app/lib/shared.so.1")));
        assertFalse(Files.exists(a.resolve("hardlinks/link-removed-later")));

        // modes
        assertEquals(04755, mode(r.resolve("usr/local/bin/suid-tool")) & 07777);
        assertEquals(06750, mode(r.resolve("usr/local/bin/suid-sgid")) & 07777);
        assertEquals(02755, mode(r.resolve("usr/local/bin/sgid-tool")) & 07777);
        assertEquals(01644, mode(r.resolve("usr/local/bin/sticky-file")) & 07777);
        assertEquals(0, mode(r.resolve("usr/local/bin/no-perms")) & 07777);
        assertEquals(01777, mode(r.resolve("tmp")) & 07777);
        assertEquals(03777, mode(r.resolve("srv/shared")) & 07777);
        assertEquals(0750, mode(r.resolve("opt/app/bin/start.sh")) & 07777, "mode-only change in the update layer");
        if (root) {
            assertEquals(3_000_000, Files.getAttribute(r.resolve("srv/ids/uid3000000"), "unix:uid"));
            assertEquals(1000, Files.getAttribute(r.resolve("home/app"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(999, Files.getAttribute(r.resolve("var/lib/app/state"), "unix:uid"), "owner-only change");
            assertEquals(5, Files.getAttribute(r.resolve("usr/local/bin/sgid-tool"), "unix:gid"));
        }

        // symlinks, written as given
        assertEquals(Path.of("../data/orders.csv"), Files.readSymbolicLink(a.resolve("links/relative")));
        assertEquals(Path.of("/nonexistent/path/file"), Files.readSymbolicLink(a.resolve("links/dangling-absolute")));
        assertEquals(Path.of("loop-b"), Files.readSymbolicLink(a.resolve("links/loop-a")));
        assertEquals(Path.of("/usr/share/zoneinfo/Etc/UTC"), Files.readSymbolicLink(r.resolve("etc/localtime")));
        try (var s = Files.walk(a.resolve("long-path"))) {
            List<Path> deep = s.filter(p -> p.getFileName().toString().startsWith("file-name-longer")).toList();
            assertEquals(1, deep.size());
            Path dir = deep.getFirst().getParent();
            assertTrue(r.relativize(deep.getFirst()).toString().length() > 300);
            assertTrue(Files.isRegularFile(dir.resolve("link-with-long-target")), "symlink target over 100 bytes resolves");
            assertEquals(inode(a.resolve("names").resolve(dir.resolve("link-with-long-target")
                    .toRealPath().getFileName())), inode(dir.resolve("hardlink-with-long-target")));
        }

        // whiteouts, opaque dir, type changes
        assertFalse(Files.exists(r.resolve("opt/app/tmp/secret.key")), "file whiteout");
        assertTrue(Files.exists(r.resolve("opt/app/tmp/keep.txt")));
        assertFalse(Files.exists(r.resolve("opt/app/cache")), "directory whiteout");
        assertFalse(Files.exists(a.resolve("doomed/sub")), "subtree whiteout");
        assertTrue(Files.isDirectory(a.resolve("doomed")));
        assertFalse(Files.exists(r.resolve("usr/share/doc/app/obsolete.txt")));
        assertEquals(List.of("delta"), list(r.resolve("opt/app/plugins")), "opaque directory");
        assertTrue(Files.isSymbolicLink(a.resolve("types/file2link")));
        assertTrue(Files.isRegularFile(a.resolve("types/link2file"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(a.resolve("types/file2dir/child")));
        assertTrue(Files.isRegularFile(a.resolve("types/dir2file"), LinkOption.NOFOLLOW_LINKS));

        // names
        Path i18n = a.resolve("i18n");
        for (String n : List.of("日本語のファイル名.txt", "caf\u00e9.txt", "cafe\u0301.txt", "données/fichier-été.txt",
                "name with spaces.txt", "-leading-dash", "tab\tinside.txt", "back\\slash.txt", "star*question?[x].txt")) {
            assertTrue(Files.isRegularFile(i18n.resolve(n)), n);
        }
        assertEquals("nfd\n", Files.readString(i18n.resolve("cafe\u0301.txt")));
        assertEquals(255, Files.list(a.resolve("names")).mapToInt(p -> p.getFileName().toString().length()).max().orElse(0));

        // times, xattrs, FIFO
        assertEquals(FileTime.from(Instant.EPOCH), Files.getLastModifiedTime(a.resolve("times/epoch-zero")));
        assertEquals(FileTime.from(Instant.ofEpochSecond(2_208_988_800L)), Files.getLastModifiedTime(a.resolve("times/y2040-future")));
        assertEquals(FileTime.from(Instant.ofEpochSecond(946_684_799L, 123_456_700)),
                Files.getLastModifiedTime(a.resolve("times/y1999-nsec")));
        assertEquals(FileTime.from(Instant.ofEpochSecond(1_600_000_000L)), Files.getLastModifiedTime(a.resolve("touched")));
        var xattrs = Files.getFileAttributeView(a.resolve("xattrs/tagged"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        if (xattrs != null && root) { // user.* xattrs need a file system that has them; umoci skips them rootless
            assertEquals(List.of("comment", "mime_type"), xattrs.list().stream().sorted().toList());
        }
        assertEquals(0010000, mode(a.resolve("special/app.fifo")) & 0170000, "a FIFO");
    }

    // ----------------------------------------------------------------------------------- helpers

    /** Unpacked trees hold absolute symlinks and 0555/0000 modes; remove them before @TempDir does (and warns). */
    @org.junit.jupiter.api.AfterEach
    void removeBundles() throws IOException {
        for (Path b : bundles) {
            deleteTree(b);
        }
        bundles.clear();
    }

    private final List<Path> bundles = new ArrayList<>();

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes at)
                    throws IOException {
                Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes at)
                    throws IOException {
                Files.delete(f);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    private Path unpack(Path umoci, WrittenLayout w, String ref, Path bundle) throws IOException {
        bundles.add(bundle);
        List<Object> cmd = new ArrayList<>(List.of(umoci, "--log", "error", "unpack"));
        if (!Tools.isRoot(bundle.getParent())) {
            cmd.add("--rootless");
        }
        cmd.addAll(List.of("--image", w.umociRef(ref), bundle));
        Tools.ok(cmd.toArray());
        String manifestHex = w.ref(ref).digest().substring(7);
        assertTrue(Files.exists(bundle.resolve("sha256_" + manifestHex + ".mtree")), "umoci names its mtree after the manifest");
        return bundle.resolve("rootfs");
    }

    private static Path policy(Path tmp) throws IOException {
        Path p = tmp.resolve("policy.json");
        if (!Files.exists(p)) {
            Files.writeString(p, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        }
        return p;
    }

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
