package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.images.WrittenRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine between two OCI layouts: byte-identical copies, platform choice, --all, recompression, bad input. */
class OciToOciTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    private final Transports transports = Transports.standard();

    private CopyContext context() {
        return CopyContext.of(tmp.resolve("cargohold"), StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
    }

    private CopyResult copy(String from, String to, CopyOptions o) throws IOException {
        return ImageCopier.copy(transports.parse(from), transports.parse(to), context(), o);
    }

    private static byte[] blob(Path layout, String digest) throws IOException {
        return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
    }

    private static JsonNode indexJson(Path layout) throws IOException {
        return JSON.readTree(layout.resolve("index.json").toFile());
    }


    @Test
    void everyCaseCopiesByteForByte() throws IOException {
        List<WrittenLayout> cases = List.of(TestImages.small(tmp.resolve("small")), TestImages.zstd(tmp.resolve("zstd")),
                TestImages.hardlinksWhiteoutsOddNames(tmp.resolve("edge")), TestImages.dockerSchema2(tmp.resolve("docker")),
                TestImages.twoTagsSharingLayers(tmp.resolve("two")));
        for (WrittenLayout w : cases) {
            Path out = tmp.resolve("out-" + w.dir().getFileName());
            for (WrittenRef r : w.refs()) {
                CopyResult res = copy("oci:" + w.dir() + ":" + r.name(), "oci:" + out + ":" + r.name(),
                        CopyOptions.defaults().withAll(r.isIndex()));
                if (ConvertedManifests.convertedToOci(r)) {
                    ConvertedManifests.assertConverted(r, res);
                    continue;
                }
                assertEquals(r.digest(), res.manifestDigest().toString(), w.dir() + " " + r.name());
                for (String d : r.image().blobDigests()) {
                    assertArrayEquals(blob(w.dir(), d), blob(out, d), d);
                }
                assertArrayEquals(blob(w.dir(), r.digest()), blob(out, r.digest()));
            }
            JsonNode idx = indexJson(out);
            assertEquals(w.refs().size(), idx.get("manifests").size());
        }
    }

    @Test
    void secondCopyReusesEveryBlob() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        Path out = tmp.resolve("out");
        CopyResult first = copy("oci:" + w.dir() + ":latest", "oci:" + out + ":latest", CopyOptions.defaults());
        assertEquals(0, first.blobsReused());
        CopyResult second = copy("oci:" + w.dir() + ":v2", "oci:" + out + ":v2", CopyOptions.defaults());
        // base and app layers are shared; the top layer and the config are not
        assertEquals(2, second.blobsReused());
        assertEquals(w.ref("v2").image().layers().size() + 1 - 2, second.blobsCopied());
    }

    @Test
    void indexWithoutAllCopiesThisPlatformOnly() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("multi"));
        Path out = tmp.resolve("out");
        CopyResult r = copy("oci:" + w.dir() + ":latest", "oci:" + out + ":x",
                CopyOptions.defaults().withPlatform(Platforms.parse("linux/arm64")));
        var arm = w.ref("latest").image(io.cargohold.testkit.images.Platform.LINUX_ARM64_V8);
        assertEquals(arm.manifest().digest(), r.manifestDigest().toString());
        assertEquals(1, r.instances());
        NotFoundException e = assertThrows(NotFoundException.class, () -> copy("oci:" + w.dir() + ":latest", "oci:" + out + ":y",
                CopyOptions.defaults().withPlatform(Platforms.parse("linux/s390x"))));
        assertTrue(e.getMessage().contains("linux/arm64/v8"), e.getMessage());
    }

    @Test
    void indexWithAllKeepsTheIndexDigest() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("multi"));
        Path out = tmp.resolve("out");
        CopyResult r = copy("oci:" + w.dir() + ":latest", "oci:" + out + ":latest", CopyOptions.defaults().withAll(true));
        assertEquals(w.ref("latest").digest(), r.manifestDigest().toString());
        assertEquals(2, r.instances());
        for (var i : w.ref("latest").images()) {
            for (String d : i.blobDigests()) {
                assertArrayEquals(blob(w.dir(), d), blob(out, d));
            }
        }
    }

    @Test
    void recompressingToZstdKeepsDiffIdsAndRewritesTheManifest() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        Path out = tmp.resolve("out");
        CopyResult r = copy("oci:" + w.dir() + ":latest", "oci:" + out + ":latest",
                CopyOptions.defaults().withCompression(CopyOptions.LayerFormat.ZSTD, 5));
        assertNotEquals(w.ref("latest").digest(), r.manifestDigest().toString());
        JsonNode m = JSON.readTree(r.manifest().bytes());
        List<String> diffIds = new ArrayList<>();
        for (JsonNode l : m.get("layers")) {
            assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", l.get("mediaType").asText());
            byte[] b = blob(out, l.get("digest").asText());
            assertEquals(l.get("size").asLong(), b.length);
            diffIds.add(io.cargohold.digest.Digest.sha256(com.github.luben.zstd.Zstd.decompress(b,
                    (int) com.github.luben.zstd.Zstd.getFrameContentSize(b) > 0 ? (int) com.github.luben.zstd.Zstd.getFrameContentSize(b)
                            : 64 << 20)).toString());
        }
        assertEquals(w.ref("latest").image().diffIds(), diffIds);
        assertEquals(w.ref("latest").image().config().digest(), m.get("config").get("digest").asText());
        // the gzip blobs already at the destination do not stand in for zstd ones
        CopyResult plain = copy("oci:" + w.dir() + ":latest", "oci:" + out + ":gz", CopyOptions.defaults());
        assertEquals(w.ref("latest").digest(), plain.manifestDigest().toString());
        CopyResult again = copy("oci:" + w.dir() + ":latest", "oci:" + out + ":z2",
                CopyOptions.defaults().withCompression(CopyOptions.LayerFormat.ZSTD, 5));
        assertEquals(0, again.blobsReused() - 1, "only the config is reused");
        for (JsonNode l : JSON.readTree(again.manifest().bytes()).get("layers")) {
            assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", l.get("mediaType").asText());
        }
    }

    @Test
    void aLyingBlobFailsAndNothingIsNamed() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        String layer = w.ref("latest").image().layers().getLast().digest();
        Path p = w.blobPath(layer);
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 1;
        p.toFile().setWritable(true);
        Files.write(p, b);
        Path out = tmp.resolve("out");
        CorruptException e = assertThrows(CorruptException.class,
                () -> copy("oci:" + w.dir() + ":latest", "oci:" + out + ":latest", CopyOptions.defaults().withParallelism(1)));
        assertTrue(e.getMessage().contains("digest mismatch") && e.getMessage().contains(layer), e.getMessage());
        assertFalse(Files.exists(out), "the failed copy removes the layout it created, and everything in it");
    }

    @Test
    void badReferencesNameWhatThereIs() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        NotFoundException nf = assertThrows(NotFoundException.class,
                () -> copy("oci:" + w.dir() + ":nope", "oci:" + tmp.resolve("o") + ":x", CopyOptions.defaults()));
        assertTrue(nf.getMessage().contains("latest, v2"), nf.getMessage());
        InvalidArgumentException typo = assertThrows(InvalidArgumentException.class, () -> transports.parse("ocii:" + w.dir()));
        assertTrue(typo.getMessage().contains("unknown transport \"ocii\"") && typo.getMessage().contains("oci"), typo.getMessage());
        assertThrows(InvalidArgumentException.class, () -> transports.parse(w.dir().toString()));
        assertThrows(InvalidArgumentException.class,
                () -> copy("oci:" + w.dir(), "oci:" + tmp.resolve("o2") + ":x", CopyOptions.defaults()));
    }

    @Test
    void aLinkedBlobIsNotFollowed() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        String layer = w.ref("latest").image().layers().getFirst().digest();
        Path p = w.blobPath(layer);
        Path elsewhere = tmp.resolve("elsewhere");
        Files.move(p, elsewhere);
        Files.createSymbolicLink(p, elsewhere);
        CorruptException e = assertThrows(CorruptException.class,
                () -> copy("oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o") + ":x", CopyOptions.defaults()));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void skopeoReadsWhatWeWrote() throws IOException {
        Path skopeo = Tools.require("skopeo");
        WrittenLayout w = TestImages.multiArch(tmp.resolve("multi"));
        Path out = tmp.resolve("out");
        copy("oci:" + w.dir() + ":latest", "oci:" + out + ":latest", CopyOptions.defaults().withAll(true));
        Tools.Result r = Tools.ok(skopeo, "inspect", "--raw", "oci:" + out + ":latest");
        assertArrayEquals(blob(w.dir(), w.ref("latest").digest()), r.stdout());
        Path back = tmp.resolve("back");
        Tools.ok(skopeo, "copy", "--all", "--preserve-digests", "oci:" + out + ":latest", "oci:" + back + ":latest");
        // and what skopeo writes, we read
        CopyResult again = copy("oci:" + back + ":latest", "oci:" + tmp.resolve("again") + ":latest", CopyOptions.defaults().withAll(true));
        assertEquals(w.ref("latest").digest(), again.manifestDigest().toString());
    }
}
