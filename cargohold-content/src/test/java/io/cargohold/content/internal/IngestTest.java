package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.WriterOptions;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.UnavailableException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The resumable writer (containerd's ingest/commit contract) within one process. */
@Timeout(60)
class IngestTest {
    static final String REF = "layer-sha256:test";

    @TempDir
    Path root;

    LocalBlobStore store;
    BlobDirectory dir;
    final byte[] data = TestStores.randomBytes(new Random(11), 300_000);
    final Digest digest = Digest.sha256(data);

    @BeforeEach
    void open() throws IOException {
        store = TestStores.openFast(root);
        dir = new BlobDirectory(root);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private byte[] read(Digest d) throws IOException {
        try (InputStream s = store.open(d, Verify.CONTENT)) {
            return s.readAllBytes();
        }
    }

    /** Writes the first {@code n} bytes and closes without commit. */
    private void writePart(int n, WriterOptions opts) throws IOException {
        try (BlobWriter w = store.writer(REF, opts)) {
            assertEquals(0, w.offset());
            w.write(data, 0, n);
            assertEquals(n, w.offset());
            assertEquals(Digest.of(DigestAlgorithm.SHA256, Arrays.copyOf(data, n), 0, n), w.digest());
        }
    }

    @Test
    void aClosedWriteResumesAfterReopeningTheStoreAndCommits() throws IOException {
        writePart(100_000, WriterOptions.expecting(digest, data.length));
        BlobDirectory.Ingest in = dir.ingest(REF);
        assertEquals(REF, Files.readString(in.ref()));
        assertEquals(Long.toString(data.length), Files.readString(in.total()));
        assertEquals(100_000, Files.size(in.data()));
        Instant.parse(Files.readString(in.startedAt()));
        assertFalse(store.contains(digest), "an ingest is invisible");
        store.close();
        store = TestStores.openFast(root); // an idle open keeps resumable ingests

        try (BlobWriter w = store.writer(REF, WriterOptions.expecting(digest, data.length).withMediaType("application/x-test"))) {
            assertFalse(w.alreadyPresent());
            assertEquals(100_000, w.offset());
            w.write(data, 100_000, data.length - 100_000);
            assertEquals(digest, w.digest());
            PutResult r = w.commit(data.length, digest);
            assertEquals(PutResult.Status.INSERTED, r.status());
            assertEquals(digest, r.info().digest());
            assertEquals("application/x-test", r.info().mediaType());
            w.close(); // no-op after commit
            assertThrows(IllegalStateException.class, () -> w.write(1));
            assertThrows(IllegalStateException.class, () -> w.commit(-1, null));
        }
        assertArrayEquals(data, read(digest));
        assertFalse(Files.exists(dir.ingest(REF).dir()), "the ingest is removed");
        assertThrows(NotFoundException.class, () -> store.status(REF));
        assertEquals(List.of(), store.ingests());
        assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
    }

    @Test
    void withoutExpectationsTheCommitTakesWhatWasWritten() throws IOException {
        try (BlobWriter w = store.writer("x", WriterOptions.defaults().withAlgorithm(DigestAlgorithm.SHA512))) {
            w.write(data);
            PutResult r = w.commit(-1, null);
            assertEquals(Digest.of(DigestAlgorithm.SHA512, sha512(data)), r.info().digest());
        }
        // An expected digest of another algorithm than the writer's is checked by hashing the data again.
        try (BlobWriter w = store.writer("y", WriterOptions.defaults())) {
            w.write(data);
            PutResult r = w.commit(data.length, Digest.of(DigestAlgorithm.SHA512, sha512(data)));
            assertEquals(PutResult.Status.ALREADY_PRESENT, r.status(), "the same content, committed under its sha512 digest");
        }
    }

    private static byte[] sha512(byte[] b) {
        return DigestAlgorithm.SHA512.newMessageDigest().digest(b);
    }

    @Test
    void aWrongDigestOrSizeOnCommitIsCorruptAndLeavesNothing() throws IOException {
        Digest wrong = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
        BlobWriter w = store.writer(REF, WriterOptions.defaults());
        w.write(data);
        CorruptException e = assertThrows(CorruptException.class, () -> w.commit(data.length, wrong));
        assertEquals("digest mismatch: expected " + wrong + ", content (" + data.length + " bytes) is " + digest, e.getMessage());
        assertThrows(IllegalStateException.class, () -> w.write(1), "commit closes, whatever the outcome");
        assertFalse(store.contains(digest) || store.contains(wrong));
        assertThrows(NotFoundException.class, () -> store.status(REF));
        assertEquals(0, TestStores.countFiles(dir.ingestDir()));
        assertEquals(0, TestStores.countFiles(dir.algorithmDir(DigestAlgorithm.SHA256)));

        try (BlobWriter w2 = store.writer(REF, WriterOptions.defaults())) {
            assertEquals(0, w2.offset(), "nothing of the failed ingest is resumed");
            w2.write(data, 0, 10);
            assertEquals("size mismatch: expected 11 bytes, got 10 (truncated input?)",
                    assertThrows(CorruptException.class, () -> w2.commit(11, null)).getMessage());
        }
        assertEquals(List.of(), store.ingests());
        // The expected digest of the options counts too.
        try (BlobWriter w3 = store.writer(REF, WriterOptions.defaults().withExpectedDigest(wrong))) {
            w3.write(data);
            assertThrows(CorruptException.class, () -> w3.commit(-1, null));
        }
        assertFalse(store.contains(digest));
    }

    @Test
    void contentBeyondTheExpectedSizeIsRefusedAndTheIngestKeepsWhatItHad() throws IOException {
        try (BlobWriter w = store.writer(REF, WriterOptions.expecting(digest, data.length))) {
            w.write(data, 0, 1000);
            assertEquals("size mismatch: more than the expected " + data.length + " bytes of content",
                    assertThrows(CorruptException.class, () -> w.write(data)).getMessage());
            assertEquals(1000, w.offset());
        }
        assertEquals(1000, store.status(REF).offset());
    }

    @Test
    void abortRemovesTheIngest() throws IOException {
        writePart(5000, WriterOptions.defaults());
        assertEquals(5000, store.status(REF).offset());
        store.abort(REF);
        assertThrows(NotFoundException.class, () -> store.status(REF));
        assertFalse(Files.exists(dir.ingest(REF).dir()));
        assertEquals("ingest ref \"" + REF + "\": not found", assertThrows(NotFoundException.class, () -> store.abort(REF)).getMessage());
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults())) {
            assertEquals(0, w.offset());
        }
    }

    @Test
    void statusListsEveryIngestAndFsckReportsThemAsNeitherDamageNorLeftovers() throws IOException {
        Instant before = Instant.now().minusSeconds(1);
        writePart(7000, WriterOptions.expecting(digest, data.length));
        try (BlobWriter w = store.writer("b-ref", WriterOptions.defaults())) {
            w.write(data, 0, 10);
            IngestStatus own = w.status();
            assertEquals(new IngestStatus("b-ref", 10, -1, own.startedAt(), own.updatedAt()), own);
            w.flush();
            List<IngestStatus> all = store.ingests();
            assertEquals(List.of("b-ref", REF), all.stream().map(IngestStatus::ref).toList());
            assertEquals(10, all.get(0).offset());
            assertEquals(-1, all.get(0).total());
            IngestStatus a = store.status(REF);
            assertEquals(7000, a.offset());
            assertEquals(data.length, a.total());
            assertTrue(a.startedAt().isAfter(before) && !a.updatedAt().isBefore(a.startedAt()), a.toString());
            assertEquals(2, store.stats().ingests());
            assertEquals(7010, store.stats().ingestBytes());

            FsckReport r = store.fsck(FsckOptions.checkOnly());
            assertFalse(r.hasDamage());
            assertTrue(r.isClean(), r.toString());
            assertEquals(List.of("b-ref", REF), r.ingests().stream().map(IngestStatus::ref).toList());
            FsckReport repaired = store.fsck(FsckOptions.repairing());
            assertEquals(2, repaired.ingests().size(), "repair keeps ingests");
            assertEquals(7000, store.status(REF).offset());
        }
    }

    @Test
    void aWriterForAStoredBlobHasNothingToWriteAndItsCommitPinsIt() throws IOException {
        store.put(new ByteArrayInputStream(data), PutOptions.defaults());
        writePart(10, WriterOptions.defaults()); // a leftover ingest of the same ref
        PutOptions.Pin pin = new PutOptions.Pin("leases", "l1/0", "x");
        try (BlobWriter w = store.writer(REF, WriterOptions.expecting(digest, data.length).withPin(pin).withMediaType("a/b"))) {
            assertTrue(w.alreadyPresent());
            assertEquals(data.length, w.offset());
            assertEquals(digest, w.digest());
            assertThrows(CorruptException.class, () -> w.write(1));
            PutResult r = w.commit(data.length, digest);
            assertEquals(PutResult.Status.ALREADY_PRESENT, r.status());
            assertEquals("a/b", r.info().mediaType());
        }
        assertEquals(digest, store.getRecord("leases", "l1/0").orElseThrow().blob());
        assertThrows(NotFoundException.class, () -> store.status(REF), "the useless leftover is removed");
    }

    @Test
    void aBlobFoundPresentButRemovedBeforeTheCommitIsAFailedPrecondition() throws IOException {
        store.put(new ByteArrayInputStream(data), PutOptions.defaults());
        BlobWriter w = store.writer(REF, WriterOptions.expecting(digest, data.length));
        assertTrue(w.alreadyPresent());
        store.delete(digest);
        assertEquals("blob " + digest + " was removed after the writer found it stored; write it again",
                assertThrows(io.cargohold.errors.FailedPreconditionException.class, () -> w.commit(data.length, digest)).getMessage());
        try (BlobWriter again = store.writer(REF, WriterOptions.expecting(digest, data.length))) {
            assertFalse(again.alreadyPresent());
            again.write(data);
            assertEquals(PutResult.Status.INSERTED, again.commit(data.length, digest).status());
        }
    }

    @Test
    void garbageCollectionLeavesIngestsAloneAndAPinnedCommitSurvivesIt() throws IOException {
        writePart(1000, WriterOptions.defaults());
        // not "leases": a lease there needs an RFC 3339 expiry, or gc drops it
        PutOptions.Pin pin = new PutOptions.Pin("pins", "l3/0", "x");
        try (BlobWriter open = store.writer("open", WriterOptions.defaults().withPin(pin))) {
            open.write(data);
            var report = store.collectGarbage(io.cargohold.content.gc.GcOptions.sweep(),
                    (b, c) -> io.cargohold.content.gc.References.NONE);
            assertEquals(List.of(), report.removed());
            assertEquals(PutResult.Status.INSERTED, open.commit(data.length, digest).status());
        }
        store.collectGarbage(io.cargohold.content.gc.GcOptions.sweep(), (b, c) -> io.cargohold.content.gc.References.NONE);
        assertTrue(store.contains(digest), "pinned in the committing transaction");
        assertEquals(1000, store.status(REF).offset());
    }

    @Test
    void aCommitOfContentStoredMeanwhileIsAlreadyPresentAndPins() throws IOException {
        PutOptions.Pin pin = new PutOptions.Pin("leases", "l2/0", "x");
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults().withPin(pin))) {
            w.write(data);
            store.put(new ByteArrayInputStream(data), PutOptions.defaults());
            assertEquals(PutResult.Status.ALREADY_PRESENT, w.commit(data.length, digest).status());
        }
        assertEquals(digest, store.getRecord("leases", "l2/0").orElseThrow().blob());
        assertEquals(List.of(), store.ingests());
        assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
    }

    @Test
    void aSecondWriterOfTheRefWaitsThenReusesTheFirstsCommit() throws Exception {
        BlobWriter first = store.writer(REF, WriterOptions.expecting(digest, data.length));
        first.write(data, 0, 1000);
        UnavailableException busy = assertThrows(UnavailableException.class,
                () -> store.writer(REF, WriterOptions.expecting(digest, data.length).withLockTimeout(Duration.ofMillis(100))));
        assertTrue(busy.getMessage().startsWith("ref " + REF + " locked for "), busy.getMessage());
        assertTrue(busy.getMessage().contains("held by another thread of this process"), busy.getMessage());
        try (LocalBlobStore impatient = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false)
                .withLockTimeout(Duration.ofMillis(100)))) {
            assertThrows(UnavailableException.class, () -> impatient.abort(REF), "abort waits too (up to the timeout)");
        }

        CompletableFuture<BlobWriter> second = CompletableFuture.supplyAsync(() -> {
            try {
                return store.writer(REF, WriterOptions.expecting(digest, data.length));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(second.isDone(), "the second writer waits for the first");
        // The first writer is finished on another thread than the one that opened it.
        CompletableFuture.runAsync(() -> {
            try {
                first.write(data, 1000, data.length - 1000);
                assertEquals(PutResult.Status.INSERTED, first.commit(data.length, digest).status());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(10, TimeUnit.SECONDS);
        try (BlobWriter w = second.get(10, TimeUnit.SECONDS)) {
            assertTrue(w.alreadyPresent());
            assertEquals(PutResult.Status.ALREADY_PRESENT, w.commit(data.length, digest).status());
        }
    }

    @Test
    void aWriterWithoutExpectedDigestResumesWhatTheFirstLeft() throws Exception {
        BlobWriter first = store.writer(REF, WriterOptions.defaults());
        first.write(data, 0, 4000);
        CompletableFuture<BlobWriter> second = CompletableFuture.supplyAsync(() -> {
            try {
                return store.writer(REF, WriterOptions.defaults());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(100);
        assertFalse(second.isDone());
        first.close();
        try (BlobWriter w = second.get(10, TimeUnit.SECONDS)) {
            assertEquals(4000, w.offset());
            w.write(data, 4000, data.length - 4000);
            assertEquals(digest, w.commit(data.length, digest).info().digest());
        }
    }

    @Test
    void anIngestThatContradictsItselfOrTheOptionsIsDiscarded() throws IOException {
        BlobDirectory.Ingest in = dir.ingest(REF);
        // data longer than total
        writePart(5000, WriterOptions.defaults().withExpectedSize(data.length));
        Files.writeString(in.total(), "4000");
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults().withExpectedSize(4000))) {
            assertEquals(0, w.offset());
            w.write(data, 0, 3000);
        }
        // a total that differs from the expected size
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults().withExpectedSize(data.length))) {
            assertEquals(0, w.offset());
            w.write(data, 0, 3000);
        }
        // a ref file that names another ref
        Files.writeString(in.ref(), "something else");
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults())) {
            assertEquals(0, w.offset());
            w.write(data, 0, 3000);
        }
        assertEquals(REF, Files.readString(in.ref()));
        // a torn total file
        Files.writeString(in.total(), "");
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults())) {
            assertEquals(0, w.offset());
        }
        // a usable one is resumed, and an expected size is recorded as its total
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults())) {
            w.write(data, 0, 100);
        }
        assertFalse(Files.exists(in.total()));
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults().withExpectedSize(data.length))) {
            assertEquals(100, w.offset());
        }
        assertEquals(Long.toString(data.length), Files.readString(in.total()));
        // data longer than the expected size, with no total recorded
        store.abort(REF);
        writePart(5000, WriterOptions.defaults());
        try (BlobWriter w = store.writer(REF, WriterOptions.defaults().withExpectedSize(4000))) {
            assertEquals(0, w.offset());
        }
    }

    @Test
    void anIdleOpenRemovesTempEntriesAndExpiredIngestsButNoLiveOne() throws IOException {
        writePart(1000, WriterOptions.defaults());
        try (BlobWriter w = store.writer("fresh", WriterOptions.defaults())) {
            w.write(data, 0, 10);
        }
        Path tmpFile = dir.ingestDir().resolve("1234-1.tmp");
        Files.write(tmpFile, new byte[] {1});
        Path tmpDir = dir.ingestDir().resolve("5678-1.tmp");
        Files.createDirectories(tmpDir.resolve("x"));
        Files.write(tmpDir.resolve("x/data"), new byte[] {1});
        // "fresh" was written to just now; REF 25 hours ago (as its clock says).
        Files.writeString(dir.ingest(REF).updatedAt(), Instant.now().minus(Duration.ofHours(25)).toString());
        Files.setLastModifiedTime(dir.ingest(REF).data(), java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(25))));
        store.close();

        // fsck (which opens without the cleanup) reports the expired one and the temps as leftovers.
        store = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false).withCleanTempFiles(false));
        FsckReport r = store.fsck(FsckOptions.checkOnly());
        assertFalse(r.hasDamage());
        assertFalse(r.isClean());
        assertEquals(List.of(REF), r.expiredIngests().stream().map(IngestStatus::ref).toList());
        assertEquals(List.of("fresh"), r.ingests().stream().map(IngestStatus::ref).toList());
        assertEquals(List.of(tmpFile, tmpDir), r.tempFiles());
        store.close();

        store = TestStores.openFast(root);
        assertThrows(NotFoundException.class, () -> store.status(REF));
        assertEquals(10, store.status("fresh").offset());
        assertEquals(List.of(dir.ingest("fresh").dir()), listIngestDir());

        // An ingest held by a writer is never removed, however old; an expiry of null keeps all.
        try (BlobWriter w = store.writer("fresh", WriterOptions.defaults())) {
            Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(48));
            try (LocalBlobStore other = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false).withClock(later))) {
                assertEquals(10, other.status("fresh").offset());
            }
            w.write(data, 10, 10);
        }
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(48));
        try (LocalBlobStore other = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false).withClock(later).withIngestExpiry(null))) {
            assertEquals(20, other.status("fresh").offset());
        }
        try (LocalBlobStore other = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false).withClock(later)
                .withIngestExpiry(Duration.ofHours(49)))) {
            assertEquals(20, other.status("fresh").offset());
        }
        try (LocalBlobStore other = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false).withClock(later)
                .withCleanTempFiles(false))) {
            FsckReport x = other.fsck(FsckOptions.repairing());
            assertEquals(List.of("fresh"), x.expiredIngests().stream().map(IngestStatus::ref).toList());
            assertEquals(List.of(), other.ingests(), "repair removes expired ingests");
        }
    }

    private List<Path> listIngestDir() throws IOException {
        try (var s = Files.list(dir.ingestDir())) {
            return s.sorted().toList();
        }
    }

    @Test
    void aCrashBetweenTheStepsOfACommitLeavesAStateTheNextWriterHandles() throws IOException {
        // The data was renamed into blobs/ but the row not written (a kill between the two).
        writePart(data.length, WriterOptions.defaults());
        BlobDirectory.Ingest in = dir.ingest(REF);
        Files.move(in.data(), dir.blobPath(digest));
        store.close();
        store = TestStores.openFast(root);
        FsckReport r = store.fsck(FsckOptions.checkOnly());
        assertFalse(r.hasDamage(), r.toString());
        assertEquals(List.of(digest), r.unindexed());
        assertEquals(0, store.status(REF).offset());
        try (BlobWriter w = store.writer(REF, WriterOptions.expecting(digest, data.length))) {
            assertEquals(0, w.offset(), "an ingest without data starts again");
            w.write(data);
            assertEquals(PutResult.Status.INSERTED, w.commit(data.length, digest).status());
        }
        assertArrayEquals(data, read(digest));
        assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
    }

    @Test
    void refsAreValidated() {
        assertThrows(io.cargohold.errors.InvalidArgumentException.class, () -> store.writer("", WriterOptions.defaults()));
        assertThrows(io.cargohold.errors.InvalidArgumentException.class,
                () -> store.writer("r", WriterOptions.defaults().withMediaType("no media type")));
        assertThrows(io.cargohold.errors.InvalidArgumentException.class, () -> store.status("a\0b"));
    }

    @Test
    void goDurations() {
        assertEquals("450ms", LocalIngests.goDuration(Duration.ofMillis(450)));
        assertEquals("1.5s", LocalIngests.goDuration(Duration.ofMillis(1500)));
        assertEquals("2m3.25s", LocalIngests.goDuration(Duration.ofMillis(123_250)));
        assertEquals("1h0m0s", LocalIngests.goDuration(Duration.ofHours(1)));
    }

    @SuppressWarnings("unused")
    private static void append(Path p, byte[] b) throws IOException {
        Files.write(p, b, StandardOpenOption.APPEND);
    }
}
