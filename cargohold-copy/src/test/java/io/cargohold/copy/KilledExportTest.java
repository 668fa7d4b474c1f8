package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.StoreOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a failed or killed export (a copy into an oci: layout) leaves nothing it made in the
 * target layout, and a later export cleans what a killed earlier one left (its write journal).
 */
class KilledExportTest {
    @TempDir
    Path tmp;

    /** Every file of the layout, relative. */
    private static Set<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            Set<String> out = new TreeSet<>();
            s.filter(Files::isRegularFile).forEach(p -> out.add(dir.relativize(p).toString()));
            return out;
        }
    }

    /** The files a layout should hold: its marker, index.json and the blobs its references reach. */
    private static Set<String> expected(Path dir, OciStore oci, List<Reference> refs) throws IOException {
        Set<String> out = new TreeSet<>(List.of("oci-layout", "index.json"));
        for (Reference r : refs) {
            for (var n : oci.plan(oci.get(r).descriptor())) {
                Digest d = n.descriptor().digest();
                out.add("blobs/" + d.algorithm().ociName() + "/" + d.hex());
            }
        }
        return out;
    }

    @Test
    void aKilledExportsLeftoversAreCleanedByTheNextExport() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int rounds = torture ? 20 : 4;
        Path root = tmp.resolve("store");
        WrittenLayout big = TestImages.large(tmp.resolve("big"), 24L << 20, 42, Compression.NONE, 0);
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        CopyContext ctx = CopyContext.of(root, null);
        Transports t = Transports.standard();
        ImageCopier.copy(t.parse("oci:" + big.dir() + ":latest"), t.parse("cargohold:big:1"), ctx, CopyOptions.defaults());
        ImageCopier.copy(t.parse("oci:" + small.dir() + ":latest"), t.parse("cargohold:small:1"), ctx, CopyOptions.defaults());
        Random random = new Random(11);
        int leftBehind = 0;
        for (int round = 0; round < rounds; round++) {
            Path out = tmp.resolve("out-" + round);
            boolean finished;
            try (ChildJvm child = ChildJvm.start(CopyAnyWorker.class, root.toString(), "cargohold:big:1", "oci:" + out + ":big")) {
                child.await("START", 120);
                String line;
                do {
                    line = child.nextLine(60, java.util.concurrent.TimeUnit.SECONDS);
                } while (line != null && !line.startsWith("BLOB"));
                Thread.sleep(random.nextInt(200));
                child.kill();
                finished = child.output().contains("DONE");
            }
            if (!finished && Files.exists(out)) {
                try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
                    if (!files(out).equals(expected(out, oci, List.of()))) {
                        leftBehind++;
                    }
                }
            }
            // The next export into the same layout cleans what the killed one left, and adds its own image.
            ImageCopier.copy(t.parse("cargohold:small:1"), t.parse("oci:" + out + ":small"), ctx, CopyOptions.defaults().withAll(true));
            try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
                List<Reference> refs = new ArrayList<>(List.of(Reference.parse("small:1")));
                if (finished) {
                    refs.add(Reference.parse("big:1"));
                }
                assertEquals(expected(out, oci, refs), files(out), "round " + round + (finished ? " (the export finished)" : ""));
            }
        }
        System.out.println("killed exports: " + rounds + " kills, " + leftBehind + " left files behind for the next export to clean");
        assertTrue(leftBehind > 0, "no kill left anything behind: the cleanup was not tested");
    }

    @Test
    void aFailedExportLeavesNothingItMade() throws IOException {
        Path root = tmp.resolve("store");
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        CopyContext ctx = CopyContext.of(root, null);
        Transports t = Transports.standard();
        ImageCopier.copy(t.parse("oci:" + w.dir() + ":latest"), t.parse("cargohold:app:1"), ctx, CopyOptions.defaults());
        ImageCopier.copy(t.parse("oci:" + w.dir() + ":v2"), t.parse("cargohold:app:2"), ctx, CopyOptions.defaults());
        // Corrupt a layer only v2 has: an export of app:2 fails at that blob, after writing others.
        Set<String> latest = new TreeSet<>();
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
            oci.plan(oci.get(Reference.parse("app:1")).descriptor()).forEach(n -> latest.add(n.descriptor().digest().toString()));
            var layers = oci.plan(oci.get(Reference.parse("app:2")).descriptor()).stream()
                    .filter(n -> !latest.contains(n.descriptor().digest().toString()) && n.document() == null
                            && n.descriptor().mediaType().contains("layer")).toList();
            Digest victim = layers.getLast().descriptor().digest();
            Path file = root.resolve("blobs/sha256/" + victim.hex());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            byte[] b = Files.readAllBytes(file);
            b[b.length / 2] ^= 1;
            Files.write(file, b);
        }
        // Into a new layout: the failed export removes the layout it created.
        Path fresh = tmp.resolve("fresh");
        assertThrows(CorruptException.class, () -> ImageCopier.copy(t.parse("cargohold:app:2"), t.parse("oci:" + fresh + ":v2"), ctx,
                CopyOptions.defaults().withAll(true).withParallelism(1)));
        assertFalse(Files.exists(fresh), "the layout it created is gone");

        // Into a layout that has app:1: afterwards it holds exactly app:1 again.
        Path used = tmp.resolve("used");
        ImageCopier.copy(t.parse("cargohold:app:1"), t.parse("oci:" + used + ":v1"), ctx, CopyOptions.defaults().withAll(true));
        Set<String> before = files(used);
        assertThrows(CorruptException.class, () -> ImageCopier.copy(t.parse("cargohold:app:2"), t.parse("oci:" + used + ":v2"), ctx,
                CopyOptions.defaults().withAll(true).withParallelism(1)));
        assertEquals(before, files(used), "only what was there before");
    }
}
