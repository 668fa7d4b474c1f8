package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.StoreOptions;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes copy the same image into one content store at once: both finish, and each blob is
 * read from the source once in all (the second waits on the first's ingest of a layer and reuses its
 * commit, or finds the blob present before it starts).
 */
class ConcurrentCopyTest {
    @TempDir
    Path tmp;

    @Test
    void twoProcessesCopyingOneImageReadEachBlobOnce() throws Exception {
        WrittenLayout w = TestImages.large(tmp.resolve("layout"), 16L << 20, 5, Compression.NONE, 0);
        long layers = w.ref("latest").image().layers().stream().mapToLong(l -> l.size()).sum();
        long config = w.ref("latest").image().config().size();
        Path root = tmp.resolve("store");
        long read = 0;
        try (ChildJvm a = ChildJvm.start(CopyKillWorker.class, root.toString(), w.dir().toString(), "app:a");
             ChildJvm b = ChildJvm.start(CopyKillWorker.class, root.toString(), w.dir().toString(), "app:b")) {
            assertEquals(0, a.waitFor(120), a.stderr());
            assertEquals(0, b.waitFor(120), b.stderr());
            for (ChildJvm c : new ChildJvm[] {a, b}) {
                read += c.output().stream().filter(l -> l.startsWith("BYTES ")).mapToLong(l -> Long.parseLong(l.substring(6))).sum();
            }
        }
        assertTrue(read <= layers + 2 * config, "the layers were read " + read + " bytes for " + layers + ": more than once");
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
            assertTrue(oci.check(Reference.parse("app:a")).complete());
            assertTrue(oci.check(Reference.parse("app:b")).complete());
            assertEquals(oci.get(Reference.parse("app:a")).descriptor().digest(), oci.get(Reference.parse("app:b")).descriptor().digest());
            assertEquals(java.util.List.of(), oci.blobs().ingests());
            assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size());
        }
        System.out.println("concurrent copies: " + read + " bytes read from the source for " + layers + " bytes of layers");
    }
}
