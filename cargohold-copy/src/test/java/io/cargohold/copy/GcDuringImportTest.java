package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.digest.Digest;
import io.cargohold.oci.CheckReport;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection in this process, again and again, while another process imports images: gc
 * must never remove a blob an import needs (every import succeeds and every imported image is
 * complete), while it does remove the real garbage made meanwhile.
 */
class GcDuringImportTest {
    @TempDir
    Path tmp;

    @Test
    void gcNeverSweepsWhatAConcurrentImportNeeds() throws Exception {
        int images = Boolean.getBoolean("cargohold.torture") ? 40 : 8;
        List<String> args = new ArrayList<>();
        Path root = tmp.resolve("store");
        args.add(root.toString());
        List<WrittenLayout> layouts = new ArrayList<>();
        for (int i = 1; i <= images; i++) {
            // several MiB per image, so an import spans many gc runs
            WrittenLayout w = TestImages.large(tmp.resolve("l" + i), 4L << 20, 100 + i, Compression.NONE, 0);
            layouts.add(w);
            args.add(w.dir().toString());
        }
        Random random = new Random(11);
        int gcRuns = 0;
        long garbageMade = 0;
        Set<Digest> garbage = new HashSet<>();
        Set<Digest> removed = new HashSet<>();
        // The junk below is put without a lease to be garbage at once (no fresh-blob grace period).
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults().withFreshBlobGrace(java.time.Duration.ZERO));
             ChildJvm child = ChildJvm.start(ImportWorker.class, args.toArray(String[]::new))) {
            child.await("READY", 120);
            while (!child.output().contains("DONE")) {
                byte[] junk = new byte[1 + random.nextInt(5000)];
                random.nextBytes(junk);
                garbage.add(oci.blobs().put(new ByteArrayInputStream(junk), PutOptions.defaults()).info().digest());
                garbageMade++;
                GcReport r = oci.gc(random.nextInt(5) == 0);
                if (!r.dryRun()) {
                    r.removed().stream().map(BlobInfo::digest).forEach(removed::add);
                }
                gcRuns++;
                if (gcRuns > 100_000) {
                    throw new AssertionError("the import never finished: " + child.stderr());
                }
                if (!child.output().isEmpty() && child.waitForExitIfDone()) {
                    break;
                }
            }
            assertEquals(0, child.waitFor(120), "the importing process failed: " + child.stderr());
            for (int i = 1; i <= images; i++) {
                Reference ref = Reference.parse("img:" + i);
                CheckReport c = oci.check(ref);
                assertTrue(c.complete(), "img:" + i + " is incomplete after concurrent gc: " + c.problems());
                assertEquals(layouts.get(i - 1).ref("latest").digest(), c.image().descriptor().digest().toString());
            }
            GcReport last = oci.gc(false);
            last.removed().stream().map(BlobInfo::digest).forEach(removed::add);
            assertTrue(removed.containsAll(garbage), "the real garbage went");
            for (Digest d : removed) {
                assertTrue(garbage.contains(d), "gc removed a blob that was not garbage: " + d);
            }
            assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size());
        }
        assertTrue(gcRuns > images, "gc ran " + gcRuns + " times during " + images + " imports (" + garbageMade + " garbage blobs)");
        System.out.println("gc during import: " + gcRuns + " gc runs during " + images + " imports, " + removed.size() + " garbage blobs removed");
    }
}
