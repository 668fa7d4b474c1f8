package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.StoreOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile graphs through the engine into the store: too deep an index of indexes fails clearly and stores nothing. */
class HostileGraphCopyTest {
    @TempDir
    Path tmp;

    /** Wraps the layout's "latest" in {@code levels} indexes and names the outermost "deep". */
    private static void nest(WrittenLayout w, int levels) throws IOException {
        String mediaType = w.ref("latest").descriptor().mediaType();
        String digest = w.ref("latest").digest();
        long size = w.ref("latest").descriptor().size();
        for (int i = 0; i < levels; i++) {
            byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                    + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}]}").getBytes(StandardCharsets.UTF_8);
            Digest d = Digest.sha256(index);
            Files.write(w.dir().resolve("blobs/sha256/" + d.hex()), index);
            mediaType = MediaTypes.OCI_INDEX;
            digest = d.toString();
            size = index.length;
        }
        Files.writeString(w.dir().resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + mediaType
                + "\",\"digest\":\"" + digest + "\",\"size\":" + size + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"deep\"}}]}");
    }

    @Test
    void anIndexNestedTooDeepIsRefusedAndNothingIsStored() throws IOException {
        WrittenLayout ok = TestImages.small(tmp.resolve("ok"));
        nest(ok, 3);
        CopyContext ctx = CopyContext.of(tmp.resolve("store"), null);
        Transports t = Transports.standard();
        ImageCopier.copy(t.parse("oci:" + ok.dir() + ":deep"), t.parse("cargohold:nested:ok"), ctx, CopyOptions.defaults().withAll(true));

        WrittenLayout w = TestImages.small(tmp.resolve("deep"), 2);
        nest(w, 1000);
        var e = assertThrows(CorruptException.class, () -> ImageCopier.copy(t.parse("oci:" + w.dir() + ":deep"),
                t.parse("cargohold:nested:deep"), ctx, CopyOptions.defaults().withAll(true)));
        assertTrue(e.getMessage().contains("nested more than " + DescriptorWalker.MAX_DEPTH + " documents deep"), e.getMessage());
        try (OciStore oci = OciStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            assertEquals(1, oci.list().size(), "only the image that was fine");
            assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size());
            assertTrue(oci.check(oci.list().getFirst().reference()).complete());
        }
    }

    /**
     * The copy of an index walks it with the one iterative walker and recurses nowhere: 1,000 nested
     * indexes with the depth limit raised to match copy on a thread with a 160 KiB stack (the JVM's
     * floor is about 136 KiB; a recursive copy, a few frames of a few hundred bytes per level, does not
     * fit). Kept at 1,000 levels because each level is a file written and synced (~13 ms at load 10).
     */
    @Test
    void aDeepIndexCopiesOnATinyStackWhenTheLimitIsRaised() throws Throwable {
        int levels = 1_000;
        WrittenLayout w = TestImages.small(tmp.resolve("deep"), 3);
        nest(w, levels);
        Transports t = Transports.standard();
        CopyContext ctx = CopyContext.of(tmp.resolve("store"), null);
        CopyOptions raised = CopyOptions.defaults().withAll(true)
                .withGraphLimits(levels, DescriptorWalker.MAX_BLOBS);
        Object[] result = new Object[1];
        Thread th = new Thread(null, () -> {
            try {
                result[0] = ImageCopier.copy(t.parse("oci:" + w.dir() + ":deep"), t.parse("oci:" + tmp.resolve("out") + ":deep"), ctx, raised);
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "tiny stack", 160 * 1024);
        th.start();
        th.join();
        if (result[0] instanceof Throwable e) {
            throw e;
        }
        CopyResult r = (CopyResult) result[0];
        assertEquals(1, r.instances());
        assertEquals(w.ref("latest").image().layers().size() + 2 + levels, countFiles(tmp.resolve("out/blobs/sha256")),
                "every index, the manifest, its config and layers");
        var e = assertThrows(CorruptException.class, () -> ImageCopier.copy(t.parse("oci:" + w.dir() + ":deep"),
                t.parse("oci:" + tmp.resolve("out2") + ":deep"), ctx,
                raised.withGraphLimits(levels - 1, DescriptorWalker.MAX_BLOBS)));
        assertTrue(e.getMessage().contains("nested more than " + (levels - 1) + " documents deep below oci:"), e.getMessage());
    }

    private static long countFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    /** The width limit through the engine with real files: an index of two images is 8 blobs; a limit of 7 refuses it, storing nothing. */
    @Test
    void anIndexWiderThanTheBlobLimitIsRefusedAndNothingIsStored() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("multi"));
        CopyContext ctx = CopyContext.of(tmp.resolve("store"), null);
        Transports t = Transports.standard();
        var e = assertThrows(CorruptException.class, () -> ImageCopier.copy(t.parse("oci:" + w.dir() + ":latest"),
                t.parse("cargohold:multi:narrow"), ctx,
                CopyOptions.defaults().withAll(true).withGraphLimits(DescriptorWalker.MAX_DEPTH, 7)));
        assertTrue(e.getMessage().contains("names more than 7 blobs (the walker's limit on blobs per walk)"), e.getMessage());
        assertTrue(e.getMessage().contains("oci:" + w.dir() + ":latest"), "names what was copied: " + e.getMessage());
        try (OciStore oci = OciStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            assertEquals(0, oci.list().size());
            assertEquals(0, oci.blobs().list(io.cargohold.content.BlobQuery.all()).size(), "no blob moved: the walk comes first");
        }
        CopyResult ok = ImageCopier.copy(t.parse("oci:" + w.dir() + ":latest"), t.parse("cargohold:multi:exact"), ctx,
                CopyOptions.defaults().withAll(true).withGraphLimits(DescriptorWalker.MAX_DEPTH, 8));
        assertEquals(2, ok.instances());
    }
}
