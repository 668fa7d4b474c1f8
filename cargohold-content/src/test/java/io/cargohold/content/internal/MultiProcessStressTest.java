package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.KvRecord;
import io.cargohold.testkit.ChildJvm;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eight OS processes, four threads each, on one store; afterwards the index and the files agree. */
class MultiProcessStressTest {
    static final int PROCESSES = 8;
    static final int THREADS = 4;

    @TempDir
    Path root;

    @Test
    void manyProcessesAndThreadsLeaveAConsistentStore() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int ops = torture ? 2000 : 120;
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int p = 0; p < PROCESSES; p++) {
                children.add(ChildJvm.start(StressWorker.class, root.toString(), Integer.toString(p), Integer.toString(THREADS),
                        Integer.toString(ops)));
            }
            for (ChildJvm c : children) {
                int code = c.waitFor(torture ? 3600 : 300);
                assertEquals(0, code, "worker " + c.pid() + " failed: " + c.output() + "\n" + c.stderr());
                assertTrue(c.output().contains("DONE"), c.output().toString());
            }
        } finally {
            children.forEach(ChildJvm::close);
        }
        Map<io.cargohold.digest.Digest, Integer> pool = new HashMap<>();
        for (int i = 0; i < StressWorker.POOL; i++) {
            pool.put(StressWorker.digest(i), i);
        }
        try (LocalBlobStore store = TestStores.open(root)) {
            FsckReport r = store.fsck(FsckOptions.checkOnly());
            assertTrue(r.isClean(), "fsck after the run: " + r);
            List<BlobInfo> blobs = store.list(BlobQuery.all());
            assertEquals(r.blobsChecked(), blobs.size());
            for (BlobInfo b : blobs) {
                Integer i = pool.get(b.digest());
                assertTrue(i != null, "a blob that nobody wrote: " + b.digest());
                try (InputStream in = store.open(b.digest(), Verify.CONTENT)) {
                    assertArrayEquals(StressWorker.content(i), in.readAllBytes());
                }
            }
            for (KvRecord k : store.listRecords("refs", "")) {
                assertTrue(store.contains(k.blob()), "a record points at a removed blob: " + k);
            }
        }
    }
}
