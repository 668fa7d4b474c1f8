package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.internal.TarIndex;
import io.cargohold.digest.Digest;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenDockerArchive;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker-archive: read as skopeo reads it, written as skopeo writes it, through the content store and back. */
class DockerArchiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    private final Transports transports = Transports.standard();

    private CopyContext context() {
        return CopyContext.of(tmp.resolve("store"), io.cargohold.storage.StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
    }

    private CopyResult copy(String from, String to) throws IOException {
        return ImageCopier.copy(transports.parse(from), transports.parse(to), context(), CopyOptions.defaults());
    }

    private static JsonNode skopeoInspect(String image) throws IOException {
        return JSON.readTree(Tools.ok(Tools.require("skopeo"), "inspect", image).stdout());
    }

    private JsonNode tarJson(Path archive, String name) throws IOException {
        try (TarIndex t = TarIndex.open(archive, "test", tmp)) {
            return JSON.readTree(t.read(name, 1 << 20));
        }
    }

    @Test
    void dockerArchiveThroughTheStoreAndBackKeepsConfigAndDiffIds() throws IOException {
        WrittenDockerArchive a = TestImages.dockerArchive(tmp.resolve("app.tar"));
        CopyResult in = copy("docker-archive:" + a.file(), "cargohold:app:latest");
        byte[] theirManifest = Tools.ok(Tools.require("skopeo"), "inspect", "--raw", "docker-archive:" + a.file()).stdout();
        assertEquals(new String(theirManifest).replace("application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json")
                        .replace("application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json")
                        .replace("application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.oci.image.layer.v1.tar"),
                new String(in.manifest().bytes()),
                "the manifest skopeo synthesises, converted to OCI as skopeo's oci: destination does (the store root is a layout"
                        + " skopeo reads), with the uncompressed layers' honest media type");
        Path out = tmp.resolve("out.tar");
        CopyResult back = copy("cargohold:app:latest", "docker-archive:" + out + ":app:latest");
        assertEquals(in.manifestDigest(), back.manifestDigest());

        JsonNode orig = skopeoInspect("docker-archive:" + a.file());
        JsonNode ours = skopeoInspect("docker-archive:" + out);
        assertEquals(orig.get("Layers"), ours.get("Layers"), "DiffIDs");
        assertEquals(a.image().diffIds(), toList(ours.get("Layers")));
        byte[] configOrig = Tools.ok(Tools.require("skopeo"), "inspect", "--raw", "--config", "docker-archive:" + a.file()).stdout();
        byte[] configOurs = Tools.ok(Tools.require("skopeo"), "inspect", "--raw", "--config", "docker-archive:" + out).stdout();
        assertEquals(a.image().config().digest(), Digest.sha256(configOurs).toString());
        assertArrayEquals(configOrig, configOurs);
        JsonNode manifest = tarJson(out, "manifest.json");
        assertEquals("[\"docker.io/library/app:latest\"]", manifest.get(0).get("RepoTags").toString());
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out.tar")), "no temp file left");
        }
    }

    @Test
    void whatWeWriteEqualsWhatSkopeoWrites() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        Path theirs = tmp.resolve("theirs.tar");
        Tools.ok(Tools.require("skopeo"), "copy", "oci:" + w.dir() + ":latest", "docker-archive:" + theirs + ":app:latest");
        copy("oci:" + w.dir() + ":latest", "cargohold:app:latest");
        Path ours = tmp.resolve("ours.tar");
        copy("cargohold:app:latest", "docker-archive:" + ours + ":app:latest");
        assertEquals(tarJson(theirs, "manifest.json"), tarJson(ours, "manifest.json"));
        assertEquals(tarJson(theirs, "repositories"), tarJson(ours, "repositories"), "legacy layer IDs as docker computes them");
        List<String> theirNames;
        List<String> ourNames;
        try (TarIndex t = TarIndex.open(theirs, "theirs", tmp); TarIndex o = TarIndex.open(ours, "ours", tmp)) {
            theirNames = new ArrayList<>(t.names());
            ourNames = new ArrayList<>(o.names());
            for (String n : theirNames) {
                try (var a = t.open(n); var b = o.open(n)) {
                    assertArrayEquals(a.readAllBytes(), b.readAllBytes(), n);
                }
            }
        }
        assertEquals(theirNames.stream().sorted().toList(), ourNames.stream().sorted().toList());
        assertEquals(skopeoInspect("docker-archive:" + theirs).get("Digest"), skopeoInspect("docker-archive:" + ours).get("Digest"));
    }

    @Test
    void anExistingArchiveIsNotOverwrittenAndAFailedCopyLeavesNothing() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        Path existing = tmp.resolve("existing.tar");
        Files.writeString(existing, "keep me");
        var e = assertThrows(AlreadyExistsException.class, () -> copy("oci:" + w.dir() + ":latest", "docker-archive:" + existing));
        assertTrue(e.getMessage().contains("docker-archive doesn't support modifying existing images"), e.getMessage());
        assertEquals("keep me", Files.readString(existing));
        Path empty = tmp.resolve("empty.tar");
        Files.createFile(empty);
        copy("oci:" + w.dir() + ":latest", "docker-archive:" + empty);
        assertEquals(w.ref("latest").image().diffIds(), toList(skopeoInspect("docker-archive:" + empty).get("Layers")));

        // a blob that lies: nothing at the destination, no temp file
        String layer = w.ref("latest").image().layers().getLast().digest();
        Path p = w.blobPath(layer);
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 1;
        Files.write(p, b);
        Path bad = tmp.resolve("bad.tar");
        assertThrows(CorruptException.class, () -> copy("oci:" + w.dir() + ":latest", "docker-archive:" + bad));
        assertFalse(Files.exists(bad));
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(x -> x.getFileName().toString().startsWith(".bad.tar")), "no temp file left");
        }
    }

    @Test
    void choosingAnImageAndBadArchives() throws IOException {
        WrittenDockerArchive a = TestImages.dockerArchive(tmp.resolve("app.tar"));
        Digest d = copy("docker-archive:" + a.file(), "cargohold:x:0").manifestDigest();
        assertEquals(d, copy("docker-archive:" + a.file() + ":app:latest", "cargohold:x:1").manifestDigest());
        assertEquals(d, copy("docker-archive:" + a.file() + ":@0", "cargohold:x:2").manifestDigest());
        var nf = assertThrows(NotFoundException.class, () -> copy("docker-archive:" + a.file() + ":other:1", "cargohold:x:3"));
        assertTrue(nf.getMessage().contains("Tag \"docker.io/library/other:1\" not found"), nf.getMessage());
        var idx = assertThrows(NotFoundException.class, () -> copy("docker-archive:" + a.file() + ":@3", "cargohold:x:3"));
        assertTrue(idx.getMessage().contains("Invalid source index @3, only 1 manifest items available"), idx.getMessage());
        assertThrows(InvalidArgumentException.class, () -> transports.parse("docker-archive:" + a.file() + ":@x"));
        assertThrows(InvalidArgumentException.class, () -> transports.parse("docker-archive:" + a.file() + ":app@sha256:" + "0".repeat(64)));
        assertThrows(InvalidArgumentException.class, () -> copy("cargohold:x:1", "docker-archive:" + tmp.resolve("y.tar") + ":@0"));

        byte[] all = Files.readAllBytes(a.file());
        Path cut = tmp.resolve("cut.tar");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length * 2 / 3 + 100));
        assertThrows(CorruptException.class, () -> copy("docker-archive:" + cut, "cargohold:x:4"));
        assertThrows(NotFoundException.class, () -> copy("docker-archive:" + tmp.resolve("nope.tar"), "cargohold:x:4"));
    }

    /** Names after the path are normalised as containers/image's ParseNormalizedNamed + TagNameOnly make them, with its errors. */
    @Test
    void referencesAreNormalisedAsContainersImageDoes() throws IOException {
        String[][] cases = {
                {"app", "docker.io/library/app:latest"},
                {"app:1", "docker.io/library/app:1"},
                {"user/app", "docker.io/user/app:latest"},
                {"index.docker.io/app:2", "docker.io/library/app:2"},
                {"docker.io/library/app:3", "docker.io/library/app:3"},
                {"quay.io/a/b:1.0", "quay.io/a/b:1.0"},
                {"localhost:5000/x", "localhost:5000/x:latest"},
                {"localhost/app:v", "localhost/app:v"},
        };
        for (String[] c : cases) {
            var ref = (io.cargohold.copy.dockerarchive.DockerArchiveTransport.Ref) transports.parse("docker-archive:/a.tar:" + c[0]);
            assertEquals(c[1], ref.tag(), c[0]);
        }
        var upper = assertThrows(InvalidArgumentException.class, () -> transports.parse("docker-archive:/a.tar:App"));
        assertEquals("docker-archive parsing reference: invalid reference format: repository name must be lowercase", upper.getMessage());
        var bad = assertThrows(InvalidArgumentException.class, () -> transports.parse("docker-archive:/a.tar:a//b"));
        assertEquals("docker-archive parsing reference: invalid reference format", bad.getMessage());
    }

    private static List<String> toList(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }
}
