package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobStores;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DamagedStoreTest {
    @TempDir
    Path root;

    private List<Digest> fill(LocalBlobStore s, int n) throws IOException {
        Random r = new Random(42);
        List<Digest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.put(new ByteArrayInputStream(TestStores.randomBytes(r, 1000 + i)), PutOptions.defaults()).info().digest());
        }
        return out;
    }

    @Test
    void fsckFindsEveryKindOfProblemAndRepairsOnlyWhatIsSafe() throws IOException {
        BlobDirectory dir = new BlobDirectory(root);
        try (LocalBlobStore s = TestStores.open(root)) {
            List<Digest> ds = fill(s, 5);
            assertTrue(s.fsck(FsckOptions.checkOnly()).isClean());
            Files.delete(dir.blobPath(ds.get(0)));                       // missing
            TestStores.flipByte(dir.blobPath(ds.get(1)), 10);              // corrupt content
            Files.write(dir.blobPath(ds.get(2)), new byte[3]);             // wrong size (and content)
            byte[] extra = "unindexed".getBytes();
            Digest un = Digest.sha256(extra);
            Files.write(dir.blobPath(un), extra);                          // unindexed
            Files.write(dir.ingestDir().resolve("dead.tmp"), new byte[7]);  // leftover temp
            Files.write(dir.algorithmDir(un.algorithm()).resolve("README"), new byte[1]); // stray

            FsckReport quick = s.fsck(new FsckOptions(false, false));
            assertEquals(List.of(ds.get(0)), quick.missing());
            assertEquals(List.of(ds.get(2)), quick.corrupt().stream().map(FsckReport.Problem::digest).toList(),
                    "without hashing only the size mismatch shows");

            FsckReport r = s.fsck(FsckOptions.repairing());
            assertTrue(r.hasDamage());
            assertEquals(List.of(ds.get(0)), r.missing());
            assertEquals(List.of(ds.get(1), ds.get(2)).stream().sorted().toList(),
                    r.corrupt().stream().map(FsckReport.Problem::digest).sorted().toList());
            assertEquals(List.of(un), r.unindexed());
            assertEquals(List.of(dir.ingestDir().resolve("dead.tmp")), r.tempFiles());
            assertEquals(1, r.strayFiles().size());
            assertTrue(r.databaseProblems().isEmpty());
            assertTrue(r.repaired());

            assertTrue(s.contains(un), "a verified unindexed blob is re-indexed");
            assertEquals(0, TestStores.countFiles(dir.ingestDir()));
            assertTrue(Files.exists(dir.blobPath(ds.get(1))), "corrupt blobs are reported, not deleted");
            FsckReport after = s.fsck(FsckOptions.checkOnly());
            assertTrue(after.unindexed().isEmpty() && after.tempFiles().isEmpty());
            assertEquals(r.missing(), after.missing());
        }
    }

    @Test
    void aDamagedDatabaseIsAClearErrorAndTheIndexCanBeRebuiltFromTheBlobs() throws IOException {
        BlobDirectory dir = new BlobDirectory(root);
        List<Digest> ds;
        Map<Digest, byte[]> contents = new java.util.HashMap<>();
        try (LocalBlobStore s = TestStores.open(root)) {
            ds = fill(s, 4);
            for (Digest d : ds) {
                try (InputStream in = s.open(d, Verify.CONTENT)) {
                    contents.put(d, in.readAllBytes());
                }
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(dir.database().toFile(), "rw")) {
            f.seek(0);
            f.write("this is no longer an SQLite database, the header is gone".getBytes());
        }
        var e = assertThrows(CorruptException.class, () -> TestStores.open(root));
        assertTrue(e.getMessage().startsWith("index database " + dir.database() + " is damaged"), e.getMessage());
        assertTrue(e.getMessage().contains("fsck --rebuild-index"), e.getMessage());
        for (Digest d : ds) {
            assertTrue(Files.exists(dir.blobPath(d)), "blobs are untouched");
        }
        Path moved = BlobStores.rebuildIndex(root, StoreOptions.defaults()).movedTo();
        assertTrue(moved.getFileName().toString().startsWith("cargohold.db.corrupt-"));
        assertTrue(Files.exists(moved), "the damaged database is kept for inspection");
        try (LocalBlobStore s = TestStores.open(root)) {
            assertEquals(ds.stream().sorted().toList(), s.list(io.cargohold.content.BlobQuery.all()).stream().map(b -> b.digest()).toList());
            for (Digest d : ds) {
                try (InputStream in = s.open(d, Verify.CONTENT)) {
                    assertArrayEquals(contents.get(d), in.readAllBytes());
                }
            }
            assertTrue(s.fsck(FsckOptions.checkOnly()).isClean());
        }
    }

    @Test
    void leftoverTempFilesAreCleanedWhenTheStoreOpensIdle() throws IOException {
        BlobDirectory dir = new BlobDirectory(root);
        TestStores.open(root).close();
        Files.write(dir.ingestDir().resolve("crashed-writer.tmp"), new byte[100]);
        try (LocalBlobStore s = TestStores.open(root)) {
            assertEquals(0, TestStores.countFiles(dir.ingestDir()));
        }
        assertFalse(Files.exists(dir.ingestDir().resolve("crashed-writer.tmp")));
    }
}
