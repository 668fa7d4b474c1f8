package io.cargohold.copy.storage;

import static io.cargohold.copy.storage.StorageFixtures.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.copy.CopyResult;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a copy into containers-storage at random moments (a short loop; a long one with
 * -Dcargohold.torture=true), each time into a fresh store: afterwards the store opens, no layer is
 * left incomplete (the layer store's first write-locked load removes it), the layers that were
 * finished are reused by the rerun (never applied twice), and the rerun's result equals an
 * uninterrupted copy's, record by record and tree by tree. Also two processes copying one image into
 * one store at once: both finish, and each layer exists once.
 */
class StorageKillTest {
    @TempDir
    Path tmp;

    @Test
    void twoProcessesCopyingOneImageIntoOneStoreApplyEachLayerOnce() throws Exception {
        WrittenLayout big = TestImages.large(tmp.resolve("big"), 4L << 20);
        String from = big.skopeoRef("latest");
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        try (ChildJvm a = ChildJvm.start(StorageCopyWorker.class, from, ref(g, r, "big:a"), tmp.toString());
             ChildJvm b = ChildJvm.start(StorageCopyWorker.class, from, ref(g, r, "big:b"), tmp.toString())) {
            assertEquals(0, a.waitFor(120), a.output() + a.stderr());
            assertEquals(0, b.waitFor(120), b.output() + b.stderr());
        }
        StorageFixtures.assertNoIncompleteLayers(g);
        List<String> diffIds = big.ref("latest").image().diffIds();
        JsonNode layers = StorageFixtures.layersJson(g);
        assertEquals(diffIds.size(), layers.size(), "each layer once: " + layers);
        Store store = Store.open(StoreOptions.vfs(g, r));
        var image = store.image("docker.io/library/big:a");
        assertEquals(image.id(), store.image("docker.io/library/big:b").id());
        assertEquals(Set.of("docker.io/library/big:a", "docker.io/library/big:b"), Set.copyOf(image.names()));
        String layer = image.topLayer();
        for (int i = diffIds.size() - 1; i >= 0; i--) {
            assertEquals(diffIds.get(i), StorageFixtures.diffDigest(store, layer), "layer " + i + " reproduces its DiffID");
            layer = store.layer(layer).parent();
        }
    }

    @Test
    void killedCopiesLeaveAStoreThatARerunCompletes() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int kills = torture ? 60 : 5;
        WrittenLayout big = TestImages.large(tmp.resolve("big"), 4L << 20);
        String from = big.skopeoRef("latest");
        int layers = big.ref("latest").image().layers().size();

        // the uninterrupted copy, by a child too: its time bounds the random kill times
        Path refG = tmp.resolve("ref-graph");
        Path refR = tmp.resolve("ref-run");
        long millis;
        try (ChildJvm w = ChildJvm.start(StorageCopyWorker.class, from, ref(refG, refR, "big:latest"), tmp.toString())) {
            w.await("started", 60);
            long t0 = System.nanoTime();
            w.await("done 0", 120);
            millis = Math.max(50, (System.nanoTime() - t0) / 1_000_000);
            assertEquals(0, w.waitFor(60), w.stderr());
        }

        Random random = new Random(42);
        int midCopy = 0;
        int withIncomplete = 0;
        int layersReused = 0;
        for (int k = 0; k < kills; k++) {
            Path g = tmp.resolve("graph-" + k);
            Path r = tmp.resolve("run-" + k);
            String to = ref(g, r, "big:latest");
            List<String> out;
            try (ChildJvm w = ChildJvm.start(StorageCopyWorker.class, from, to, tmp.toString())) {
                w.await("started", 60);
                Thread.sleep(random.nextLong(millis + 1));
                w.kill();
                out = w.output();
                assertTrue(out.stream().noneMatch(l -> l.startsWith("ERROR")), "kill " + k + ": " + out + "\n" + w.stderr());
            }
            boolean done = out.stream().anyMatch(l -> l.startsWith("done"));
            if (!done) {
                midCopy++;
            }
            for (JsonNode l : StorageFixtures.layersJson(g)) {
                if (l.path("flags").has("incomplete")) {
                    withIncomplete++;
                    break;
                }
            }
            // the store opens; its first layer access removes what the kill left half-made
            Store store = Store.open(StoreOptions.vfs(g, r));
            Set<String> finished = new TreeSet<>();
            store.layers().forEach(l -> finished.add(l.id()));
            StorageFixtures.assertNoIncompleteLayers(g);

            CopyResult rerun = StorageFixtures.copy(tmp, from, to);
            int reusedLayers = Math.min(rerun.blobsReused(), layers);
            assertEquals(finished.size(), reusedLayers, "kill " + k + ": every finished layer is reused, none applied twice: " + out);
            layersReused += reusedLayers;
            StorageFixtures.assertNoIncompleteLayers(g);
            StorageFixtures.assertSameStores(refG, refR, g, r);
        }
        System.out.printf("containers-storage kills: %d, mid-copy %d, leaving an incomplete layer %d, layers reused by reruns %d,"
                + " copy time %d ms%n", kills, midCopy, withIncomplete, layersReused, millis);
        assertTrue(midCopy > 0, "no kill landed during a copy (copy time " + millis + " ms)");
    }
}
