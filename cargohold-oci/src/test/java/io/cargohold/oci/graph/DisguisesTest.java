package io.cargohold.oci.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The media-type-lie rule on real blobs of the testkit's images: what it refuses and what it must let through. */
class DisguisesTest {
    @TempDir
    Path tmp;

    private static Descriptor as(String mediaType, byte[] raw) {
        return Descriptor.of(mediaType, Digest.sha256(raw), raw.length);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void realConfigsAndLayersPassManifestsAndIndexesInDisguiseDoNot() throws IOException {
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        WrittenLayout docker = TestImages.dockerSchema2(tmp.resolve("docker"));
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        WrittenLayout zstd = TestImages.zstd(tmp.resolve("zstd"));
        for (var entry : List.of(java.util.Map.entry(small, "latest"), java.util.Map.entry(docker, "bare"), java.util.Map.entry(zstd, "latest"))) {
            WrittenLayout w = entry.getKey();
            var ref = w.ref(entry.getValue());
            byte[] manifest = Files.readAllBytes(w.blobPath(ref.digest()));
            var m = (OciDocument.Manifest) OciParser.parse(manifest, ref.descriptor().mediaType());
            byte[] config = Files.readAllBytes(w.blobPath(m.config().digest().toString()));
            assertNull(Disguises.reason(m.config(), Disguises.Role.CONFIG, config), "a real image config passes");
            for (Descriptor l : m.layers()) {
                byte[] layer = Files.readAllBytes(w.blobPath(l.digest().toString()));
                assertNull(Disguises.reason(l, Disguises.Role.LAYER, layer), "a real layer passes: " + l.mediaType());
            }
            assertTrue(Disguises.in(m, d -> Files.newInputStream(w.blobPath(d.digest().toString()))).isEmpty());
            // the manifest itself as a config, and as a layer of each kind
            assertEquals("an image manifest labelled as a config (" + MediaTypes.OCI_CONFIG
                    + "): the media type disagrees with the document it points to",
                    Disguises.reason(as(MediaTypes.OCI_CONFIG, manifest), Disguises.Role.CONFIG, manifest));
            for (String t : List.of(MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER_ZSTD, MediaTypes.DOCKER_LAYER_GZIP)) {
                assertNotNull(Disguises.reason(as(t, manifest), Disguises.Role.LAYER, manifest), t);
            }
        }
        byte[] index = Files.readAllBytes(multi.blobPath(multi.ref("latest").digest()));
        assertTrue(Disguises.reason(as(MediaTypes.OCI_LAYER_GZIP, index), Disguises.Role.LAYER, index).startsWith("an image index labelled as a layer"));
        assertTrue(Disguises.reason(as("application/vnd.example.config+json", index), Disguises.Role.CONFIG, index)
                .startsWith("an image index labelled as a config"), "any config type");
    }

    @Test
    void theShapeCountsWithoutAMediaTypeAndWhitespaceDoesNotHideIt() {
        String d = "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":3}";
        byte[] manifestShape = utf8(" \n\t{\"schemaVersion\":2,\"config\":" + d + ",\"layers\":[]}");
        byte[] indexShape = utf8("\r\n{\"manifests\":[" + d + "]}");
        assertNotNull(Disguises.reason(as(MediaTypes.OCI_LAYER, manifestShape), Disguises.Role.LAYER, manifestShape));
        assertNotNull(Disguises.reason(as(MediaTypes.OCI_CONFIG, indexShape), Disguises.Role.CONFIG, indexShape));
        // what must pass: the empty config, an artifact's JSON config, a Docker config (its "config" is not a descriptor),
        // JSON that is not a document, a tar whose first name starts with '{', non-JSON
        for (String ok : List.of("{}", "{\"name\":\"chart\",\"version\":\"1.0\",\"layers\":[]}",
                "{\"config\":{\"Env\":[\"A=b\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"layers\":[]}",
                "{\"manifests\":[\"not a descriptor\"]}", "[" + d + "]", "{not json", "\u001f\u008b gzip")) {
            byte[] raw = utf8(ok);
            assertNull(Disguises.reason(as(MediaTypes.OCI_CONFIG, raw), Disguises.Role.CONFIG, raw), ok);
            assertNull(Disguises.reason(as(MediaTypes.OCI_LAYER, raw), Disguises.Role.LAYER, raw), ok);
        }
        byte[] tar = new byte[1024];
        System.arraycopy(utf8("{weird name}"), 0, tar, 0, 12);
        assertNull(Disguises.reason(as(MediaTypes.OCI_LAYER, tar), Disguises.Role.LAYER, tar));
    }

    @Test
    void onlyLayerTypesAndSmallBlobsAreLookedAt() {
        byte[] manifest = utf8("{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"}");
        assertNull(Disguises.reason(as("application/vnd.example.payload+json", manifest), Disguises.Role.LAYER, manifest),
                "an artifact layer of its own type may be any JSON");
        assertNull(Disguises.reason(as(MediaTypes.OCI_MANIFEST, manifest), Disguises.Role.CONFIG, manifest),
                "a config labelled as a manifest is walked as one, not a disguise");
        Descriptor huge = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(manifest), OciParser.MAX_DOCUMENT + 1L);
        assertTrue(!Disguises.worthALook(huge, Disguises.Role.LAYER), "larger than a document can be: never read");
    }

    @Test
    void theStreamingRuleFailsAtTheEndAndPassesEverythingElseByteForByte() throws IOException {
        byte[] manifest = utf8("  {\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}");
        Descriptor lie = as(MediaTypes.OCI_LAYER_GZIP, manifest);
        InputStream s = Disguises.sniffing(new ByteArrayInputStream(manifest), lie, Disguises.Role.LAYER, "blob x");
        var e = assertThrows(CorruptException.class, () -> s.transferTo(java.io.OutputStream.nullOutputStream()));
        assertEquals("blob x is an image index labelled as a layer (" + MediaTypes.OCI_LAYER_GZIP
                + "): the media type disagrees with the document it points to", e.getMessage());

        byte[] json = utf8("{\"just\":\"data\"}");
        byte[] gz = new byte[5000];
        Arrays.fill(gz, (byte) 0x1f);
        for (byte[] ok : List.of(json, gz)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[7];
            int total;
            try (InputStream in = Disguises.sniffing(new ByteArrayInputStream(ok), as(MediaTypes.OCI_LAYER, ok), Disguises.Role.LAYER, "b")) {
                while ((total = in.read(buf)) >= 0) {
                    out.write(buf, 0, total);
                }
            }
            assertArrayEquals(ok, out.toByteArray());
        }
        InputStream plain = new ByteArrayInputStream(manifest);
        assertSame(plain, Disguises.sniffing(plain, as("application/octet-stream", manifest), Disguises.Role.LAYER, "b"),
                "not a layer type: untouched");
    }

    @Test
    void aMissingBlobIsLeftToWhatReportsMissingBlobs() throws IOException {
        byte[] manifest = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:" + "b".repeat(64) + "\",\"size\":10},\"layers\":[]}");
        var m = (OciDocument.Manifest) OciParser.parse(manifest, MediaTypes.OCI_MANIFEST);
        assertTrue(Disguises.in(m, d -> {
            throw new NotFoundException("gone");
        }).isEmpty());
    }
}
