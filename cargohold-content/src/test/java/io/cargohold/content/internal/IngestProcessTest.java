package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.PutResult;
import io.cargohold.content.WriterOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.NotFoundException;
import io.cargohold.testkit.ChildJvm;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The resumable writer across real processes ({@link IngestWorker}): exclusion, reuse, SIGKILL. */
@Timeout(180)
class IngestProcessTest {
    static final String REF = "layer-test";

    @TempDir
    Path root;

    private static String line(List<String> output, String prefix) {
        return output.stream().filter(l -> l.startsWith(prefix)).findFirst().map(l -> l.substring(prefix.length())).orElse(null);
    }

    @Test
    void aSecondProcessWaitsForTheFirstAndReusesItsBlob() throws Exception {
        int size = 1_000_000;
        try (ChildJvm a = ChildJvm.start(IngestWorker.class, root.toString(), REF, "" + size, "5", "hold", "300000")) {
            a.await("HALF", 60);
            // A process that will not wait long is told who holds the ref.
            try (ChildJvm c = ChildJvm.start(IngestWorker.class, root.toString(), REF, "" + size, "5", "wait", "200")) {
                assertEquals(0, c.waitFor(60), c.stderr());
                String busy = line(c.output(), "BUSY ");
                assertTrue(busy != null && busy.startsWith("ref " + REF + " locked for ")
                        && busy.endsWith("held by process " + a.pid()), String.valueOf(busy));
            }
            try (ChildJvm b = ChildJvm.start(IngestWorker.class, root.toString(), REF, "" + size, "5", "wait", "0")) {
                b.await("WAITING", 60);
                String early = b.nextLine(500, TimeUnit.MILLISECONDS);
                assertNull(early, "the second writer waits while the first holds the ref");
                a.send("GO");
                assertEquals(0, a.waitFor(60), a.stderr());
                assertEquals(0, b.waitFor(60), b.stderr());
                assertEquals("" + size, line(a.output(), "WROTE "));
                assertEquals("INSERTED", line(a.output(), "RESULT "));
                assertEquals(size + " true", line(b.output(), "OPENED "), "the second finds the blob committed");
                assertEquals("0", line(b.output(), "WROTE "), "the bytes were written once");
                assertEquals("ALREADY_PRESENT", line(b.output(), "RESULT "));
            }
        }
        try (LocalBlobStore store = TestStores.open(root)) {
            assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
            assertEquals(List.of(), store.ingests());
        }
    }

    @Test
    void aWaitingProcessContinuesWhatAKilledOneLeft() throws Exception {
        int size = 1_000_000;
        int half = 400_000;
        try (ChildJvm a = ChildJvm.start(IngestWorker.class, root.toString(), REF, "" + size, "6", "hold", "" + half)) {
            a.await("HALF", 60);
            try (ChildJvm b = ChildJvm.start(IngestWorker.class, root.toString(), REF, "" + size, "6", "wait", "0")) {
                b.await("WAITING", 60);
                assertNull(b.nextLine(300, TimeUnit.MILLISECONDS));
                a.kill();
                assertEquals(0, b.waitFor(60), b.stderr());
                assertEquals(half + " false", line(b.output(), "OPENED "), "it resumes at the killed writer's offset");
                assertEquals("" + (size - half), line(b.output(), "WROTE "));
                assertEquals("INSERTED", line(b.output(), "RESULT "));
            }
        }
        try (LocalBlobStore store = TestStores.open(root)) {
            Digest d = Digest.sha256(IngestWorker.content(6, size));
            try (InputStream in = store.open(d, Verify.CONTENT)) {
                assertArrayEquals(IngestWorker.content(6, size), in.readAllBytes());
            }
            assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
        }
    }

    @Test
    void writersKilledMidIngestLeaveAResumableIngestAndAStoreWithoutDamage() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int rounds = torture ? 60 : 10;
        int size = torture ? 64 << 20 : 4 << 20; // at most 20 chunks of 16 KiB per round: never complete
        long seed = 9;
        byte[] data = IngestWorker.content(seed, size);
        Digest digest = Digest.sha256(data);
        Random random = new Random(3);
        int midWrite = 0;
        long lastOffset = 0;
        for (int round = 0; round < rounds; round++) {
            List<String> out;
            try (ChildJvm w = ChildJvm.start(IngestWorker.class, root.toString(), REF, "" + size, "" + seed, "slow", "5",
                    digest.toString())) {
                w.await("AT " + Math.min(size, lastOffset + IngestWorker.CHUNK), 60); // writing
                Thread.sleep(random.nextInt(100));
                w.kill();
                out = w.output();
            }
            assertNull(line(out, "RESULT "), "the writer was killed before its commit");
            String last = out.getLast();
            if (last.startsWith("AT ")) {
                midWrite++;
            }
            try (LocalBlobStore store = TestStores.open(root)) {
                FsckReport r = store.fsck(FsckOptions.checkOnly());
                assertFalse(r.hasDamage(), "round " + round + ": " + r);
                assertTrue(r.tempFiles().isEmpty() && r.expiredIngests().isEmpty(), "round " + round + ": " + r);
                assertEquals(List.of(REF), r.ingests().stream().map(IngestStatus::ref).toList(), "the ingest survives");
                IngestStatus s = store.status(REF);
                assertTrue(s.offset() >= lastOffset, "round " + round + ": what reached the file is kept: " + s.offset() + " < " + lastOffset);
                assertTrue(s.offset() <= Long.parseLong(last.startsWith("AT ") ? last.substring(3) : "" + size));
                assertEquals(size, s.total());
                assertFalse(store.contains(digest));
                lastOffset = s.offset();
            }
        }
        assertTrue(midWrite > 0, "no kill landed while the writer was writing");
        try (LocalBlobStore store = TestStores.open(root)) {
            try (BlobWriter w = store.writer(REF, WriterOptions.expecting(digest, size))) {
                assertEquals(lastOffset, w.offset());
                w.write(data, (int) w.offset(), size - (int) w.offset());
                PutResult r = w.commit(size, digest);
                assertEquals(PutResult.Status.INSERTED, r.status());
            }
            try (InputStream in = store.open(digest, Verify.CONTENT)) {
                assertArrayEquals(data, in.readAllBytes());
            }
            assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
            org.junit.jupiter.api.Assertions.assertThrows(NotFoundException.class, () -> store.status(REF));
        }
        System.out.println("ingest crash test: " + rounds + " kills, " + midWrite + " mid-write, resumed at "
                + lastOffset + " of " + size + " bytes");
    }
}
