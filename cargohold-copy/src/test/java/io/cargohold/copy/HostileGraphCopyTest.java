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
}
