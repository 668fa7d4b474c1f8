package io.cargohold.copy.storage;

import static io.cargohold.copy.storage.StorageFixtures.JSON;
import static io.cargohold.copy.storage.StorageFixtures.copy;
import static io.cargohold.copy.storage.StorageFixtures.skopeoCopy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.copy.CopyResult;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.storage.internal.driver.KernelMounts;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy engine writes an overlay store ({@code containers-storage:[overlay@G+R]NAME}) as it writes a
 * vfs one: skopeo reads the image back with its diff IDs, and the layer records are the ones skopeo
 * writes for the same copy into an overlay store of its own.
 */
class OverlayDestinationTest {
    @TempDir
    Path tmp;

    @AfterEach
    void unmountHomes() throws Exception {
        // skopeo and we leave each home's private bind mount behind, as upstream's library does
        for (KernelMounts.MountInfo m : KernelMounts.mountsUnder(tmp).reversed()) {
            KernelMounts.unmount(m.mountPoint(), KernelMounts.MNT_DETACH);
        }
    }

    private static String ref(Path g, Path r, String name) {
        return "containers-storage:[overlay@" + g.toAbsolutePath() + "+" + r.toAbsolutePath() + "]" + name;
    }

    @Test
    void anImageCopiedIntoAnOverlayStoreIsWhatSkopeoWrites() throws Exception {
        Assumptions.assumeTrue(PosixFs.geteuid() == 0, "kernel overlay mounts need root");
        Tools.require("skopeo");
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        Path g = tmp.resolve("ours-graph");
        Path r = tmp.resolve("ours-run");
        CopyResult res = copy(tmp, small.skopeoRef("latest"), ref(g, r, "app:latest"));
        assertEquals(small.ref("latest").digest(), res.manifestDigest().toString());
        Path back = tmp.resolve("back");
        skopeoCopy(ref(g, r, "app:latest"), "oci:" + back + ":latest");
        assertEquals(small.ref("latest").image().diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(back, "latest")));

        Path sg = tmp.resolve("skopeo-graph");
        Path sr = tmp.resolve("skopeo-run");
        skopeoCopy(small.skopeoRef("latest"), ref(sg, sr, "app:latest"));
        List<String> ours = digests(g, r);
        assertEquals(digests(sg, sr), ours, "layer IDs and digests as skopeo records them");
        assertEquals(small.ref("latest").image().layers().size(), ours.size());
        JsonNode inspect = JSON.readTree(Tools.ok("skopeo", "inspect", ref(g, r, "app:latest")).stdout());
        assertEquals(small.ref("latest").digest(), inspect.get("Digest").asText());
    }

    private static List<String> digests(Path g, Path r) throws Exception {
        try (Store s = Store.open(StoreOptions.of(g, r, "overlay"))) {
            List<String> out = new ArrayList<>();
            for (Layer l : s.layers()) {
                out.add(l.id() + " " + l.parent() + " " + l.compressedDigest() + " " + l.uncompressedDigest() + " " + l.uncompressedSize()
                        + " " + StorageFixtures.diffDigest(s, l.id()));
            }
            out.sort(null);
            return out;
        }
    }
}
