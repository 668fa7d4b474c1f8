package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.StoreOptions;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a process copying into the content store, at random moments, again and again: the store
 * opens, fsck finds no damage, a reference exists only for a finished (complete) copy, and rerunning
 * the copy finishes, reusing what the killed one had stored (whole blobs, and the ingests of the
 * layers it was writing, continued where they stopped). A short loop in the suite, a long one
 * with {@code -Dcargohold.torture=true}.
 */
class KilledCopyTest {
    @TempDir
    Path tmp;

    @Test
    void killedCopiesLeaveAConsistentStoreAndARerunFinishes() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int rounds = torture ? 60 : 5;
        WrittenLayout w = TestImages.large(tmp.resolve("layout"), 24L << 20, 42, Compression.NONE, 0);
        String digest = w.ref("latest").digest();
        Path root = tmp.resolve("store");
        Random random = new Random(7);
        int midCopy = 0;
        int reusedOnRerun = 0;
        long resumable = 0;
        for (int round = 0; round < rounds; round++) {
            String ref = "img:" + round;
            boolean finished;
            try (ChildJvm child = ChildJvm.start(CopyKillWorker.class, root.toString(), w.dir().toString(), ref)) {
                child.await("START", 120);
                if (round % 2 == 1) {
                    // half the kills land after the first blob is in, at a random point of the rest
                    String line;
                    do {
                        line = child.nextLine(60, java.util.concurrent.TimeUnit.SECONDS);
                    } while (line != null && !line.startsWith("BLOB"));
                }
                Thread.sleep(random.nextInt(torture ? 800 : 300));
                child.kill();
                finished = child.output().contains("DONE");
            }
            if (!finished) {
                midCopy++;
            }
            try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
                FsckReport fsck = oci.blobs().fsck(FsckOptions.checkOnly());
                assertFalse(fsck.hasDamage(), "round " + round + ": " + fsck);
                for (ImageRef r : oci.list()) {
                    assertTrue(oci.check(r.reference()).complete(), "round " + round + ": a reference to an incomplete image: " + r);
                }
                boolean stored = oci.list().stream().anyMatch(r -> r.reference().toString().equals(ref));
                for (var ingest : oci.blobs().ingests()) {
                    resumable += ingest.offset(); // what the killed copy had of a layer: the rerun continues from there
                }
                if (finished) {
                    assertTrue(stored, "round " + round + ": the copy said DONE");
                }
                // the rerun finishes, reusing what the killed copy stored
                CopyResult again = ImageCopier.copy(Transports.standard().parse("oci:" + w.dir() + ":latest"),
                        io.cargohold.copy.cargohold.CargoholdTransport.over(oci).parse(ref), CopyContext.of(root, null),
                        CopyOptions.defaults());
                assertEquals(digest, again.manifestDigest().toString());
                reusedOnRerun += again.blobsReused();
                assertTrue(oci.check(Reference.parse(ref)).complete());
                // the killed copy's lease was released by the rerun's commit (its process is gone), not left to expire
                assertEquals(java.util.List.of(), oci.blobs().listRecords(OciStore.LEASES, ""), "round " + round + ": leases left");
                for (var ingest : oci.blobs().ingests()) {
                    // only the ingest of a blob the killed copy had committed but not yet cleaned up (the content
                    // store drops it when it expires); every unfinished layer was continued and committed
                    assertTrue(oci.blobs().contains(io.cargohold.digest.Digest.parse(ingest.ref())), "round " + round
                            + ": an unfinished ingest after the rerun: " + ingest);
                }
                oci.blobs().fsck(FsckOptions.repairing()); // verified leftovers of the kill (unindexed files) are indexed again
                assertTrue(oci.blobs().fsck(FsckOptions.checkOnly()).isClean(), "round " + round);
                oci.remove(Reference.parse(ref));
            }
            // past the leases' expiry, gc empties the store: the next round copies everything again
            Clock later = Clock.offset(Clock.systemUTC(), OciStore.LEASE_TTL.plusHours(1));
            try (OciStore oci = OciStore.open(root, StoreOptions.defaults().withClock(later))) {
                oci.gc(false);
                assertEquals(0, oci.blobs().stats().blobs(), "round " + round + ": nothing of the killed copy is left after gc");
            }
        }
        System.out.println("killed copies: " + rounds + " kills, " + midCopy + " landed mid-copy, " + reusedOnRerun
                + " blobs reused by reruns, " + resumable + " bytes of unfinished layers continued");
        assertTrue(midCopy > 0, "no kill landed during a copy (" + rounds + " rounds)");
    }
}
