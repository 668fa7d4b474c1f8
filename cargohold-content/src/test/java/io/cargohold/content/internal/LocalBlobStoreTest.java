package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestPrefix;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest {
    @TempDir
    Path root;

    LocalBlobStore store;
    BlobDirectory dir;

    @BeforeEach
    void open() throws IOException {
        store = TestStores.open(root);
        dir = new BlobDirectory(root);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    private byte[] read(Digest d) throws IOException {
        try (InputStream s = store.open(d, Verify.CONTENT)) {
            return s.readAllBytes();
        }
    }

    @Test
    void theRootIsAnOciImageLayout() throws IOException {
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(root.resolve("oci-layout")));
        assertEquals("{\"schemaVersion\":2,\"manifests\":[]}", Files.readString(root.resolve("index.json")));
        assertTrue(Files.isDirectory(root.resolve("blobs/sha256")));
        assertTrue(Files.isRegularFile(root.resolve("cargohold.db")));
    }

    @Test
    void putStoresByDigestReadOnlyAndGetReturnsTheBytes() throws IOException {
        byte[] data = TestStores.randomBytes(new Random(1), 3 * 1024 * 1024 + 17);
        PutResult r = store.put(in(data), PutOptions.defaults().withMediaType("application/octet-stream"));
        Digest expected = Digest.sha256(data);
        assertEquals(PutResult.Status.INSERTED, r.status());
        assertEquals(expected, r.info().digest());
        assertEquals(data.length, r.info().size());
        Path file = root.resolve("blobs/sha256/" + expected.hex());
        assertArrayEquals(data, Files.readAllBytes(file));
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ),
                Files.getPosixFilePermissions(file));
        assertArrayEquals(data, read(expected));
        assertEquals("application/octet-stream", store.info(expected).mediaType());
        assertEquals(0, TestStores.countFiles(dir.ingestDir()), "no temp file is left");
    }

    @Test
    void putOfAPresentBlobIsANoOpThatStillVerifies() throws IOException {
        byte[] data = "same".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(data);
        BlobInfo first = store.put(in(data), PutOptions.expecting(d)).info();
        PutResult again = store.put(in(data), PutOptions.expecting(d).withMediaType("text/plain"));
        assertEquals(PutResult.Status.ALREADY_PRESENT, again.status());
        assertEquals(first.addedAt(), again.info().addedAt());
        assertEquals("text/plain", again.info().mediaType(), "a missing media type is filled in");
        assertThrows(CorruptException.class, () -> store.put(in("other".getBytes(StandardCharsets.UTF_8)), PutOptions.expecting(d)));
        assertArrayEquals(data, read(d));
    }

    @Test
    void wrongDigestLeavesNothingBehind() throws IOException {
        byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
        Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(CorruptException.class, () -> store.put(in(data), PutOptions.expecting(wrong)));
        assertTrue(e.getMessage().startsWith("digest mismatch: expected " + wrong), e.getMessage());
        assertTrue(e.getMessage().contains(Digest.sha256(data).toString()));
        assertFalse(store.contains(Digest.sha256(data)));
        assertFalse(store.contains(wrong));
        assertEquals(0, TestStores.countFiles(dir.algorithmDir(DigestAlgorithm.SHA256)));
        assertEquals(0, TestStores.countFiles(dir.ingestDir()));
        assertEquals(0, store.stats().blobs());
    }

    @Test
    void truncatedInputIsASizeMismatch() throws IOException {
        byte[] data = TestStores.randomBytes(new Random(2), 10_000);
        Digest d = Digest.sha256(data);
        byte[] cut = java.util.Arrays.copyOf(data, 6_000);
        var e = assertThrows(CorruptException.class, () -> store.put(in(cut), PutOptions.expecting(d).withExpectedSize(10_000)));
        assertTrue(e.getMessage().contains("expected 10000 bytes, got 6000"), e.getMessage());
        assertThrows(CorruptException.class, () -> store.put(in(cut), PutOptions.expecting(d)));
        var tooLong = assertThrows(CorruptException.class, () -> store.put(in(data), PutOptions.defaults().withExpectedSize(100)));
        assertTrue(tooLong.getMessage().contains("more than the expected 100 bytes"), tooLong.getMessage());
        assertFalse(store.contains(d));
        assertEquals(0, TestStores.countFiles(dir.ingestDir()));
    }

    @Test
    void anInputStreamThatFailsLeavesNothingBehind() throws IOException {
        InputStream failing = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) {
                    throw new IOException("connection reset");
                }
                return 7;
            }
        };
        var e = assertThrows(IOException.class, () -> store.put(failing, PutOptions.defaults()));
        assertEquals("connection reset", e.getMessage());
        assertEquals(0, TestStores.countFiles(dir.ingestDir()));
        assertEquals(0, store.stats().blobs());
    }

    @Test
    void sha512Blobs() throws IOException {
        byte[] data = "five-twelve".getBytes(StandardCharsets.UTF_8);
        PutResult r = store.put(in(data), PutOptions.defaults().withAlgorithm(DigestAlgorithm.SHA512));
        Digest d = Digest.of(DigestAlgorithm.SHA512, data, 0, data.length);
        assertEquals(d, r.info().digest());
        assertTrue(Files.isRegularFile(root.resolve("blobs/sha512/" + d.hex())));
        assertArrayEquals(data, read(d));
        assertEquals(d, store.resolve(DigestPrefix.parse(d.hex().substring(0, 10))));
    }

    @Test
    void verifiedReadsDetectCorruptionAndUnverifiedOnesDoNot() throws IOException {
        byte[] data = TestStores.randomBytes(new Random(3), 100_000);
        Digest d = store.put(in(data), PutOptions.defaults()).info().digest();
        TestStores.flipByte(dir.blobPath(d), 50_000);
        var e = assertThrows(CorruptException.class, () -> read(d));
        assertTrue(e.getMessage().contains("hashes to"), e.getMessage());
        try (InputStream s = store.open(d, Verify.NONE)) {
            assertEquals(100_000, s.readAllBytes().length);
        }
        // a file of the wrong size
        Files.write(dir.blobPath(d), new byte[10]);
        var size = assertThrows(CorruptException.class, () -> read(d));
        assertTrue(size.getMessage().contains("10 bytes on disk, 100000 recorded"), size.getMessage());
        // re-putting the right content repairs the damaged file
        assertEquals(PutResult.Status.ALREADY_PRESENT, store.put(in(data), PutOptions.expecting(d)).status());
        assertArrayEquals(data, read(d));
    }

    @Test
    void aMissingFileBehindARowIsReportedAsDamage() throws IOException {
        Digest d = store.put(in(new byte[] {1, 2, 3}), PutOptions.defaults()).info().digest();
        Files.delete(dir.blobPath(d));
        var e = assertThrows(CorruptException.class, () -> store.open(d, Verify.CONTENT));
        assertTrue(e.getMessage().contains("is indexed but its file"), e.getMessage());
    }

    @Test
    void resolvePrefixes() throws IOException {
        Digest a = new Digest(DigestAlgorithm.SHA256, "ab12" + "0".repeat(60));
        Digest b = new Digest(DigestAlgorithm.SHA256, "ab34" + "0".repeat(60));
        Digest c = new Digest(DigestAlgorithm.SHA512, "ab56" + "0".repeat(124));
        store.index().insertBlobs(List.of(row(a), row(b), row(c)));
        assertEquals(a, store.resolve(DigestPrefix.parse("sha256:ab1")));
        assertEquals(a, store.resolve(DigestPrefix.parse("ab12")));
        assertEquals(c, store.resolve(DigestPrefix.parse("ab5")));
        assertEquals(b, store.resolve(DigestPrefix.parse(b.toString())));
        var amb = assertThrows(InvalidArgumentException.class, () -> store.resolve(DigestPrefix.parse("ab")));
        assertTrue(amb.getMessage().contains("ambiguous digest prefix \"ab\": it matches 3 blobs"), amb.getMessage());
        assertTrue(amb.getMessage().contains(a.toString()) && amb.getMessage().contains(b.toString())
                && amb.getMessage().contains(c.toString()), amb.getMessage());
        var amb2 = assertThrows(InvalidArgumentException.class, () -> store.resolve(DigestPrefix.parse("sha256:ab")));
        assertFalse(amb2.getMessage().contains(c.toString()), "a qualified prefix only looks at its algorithm");
        var none = assertThrows(NotFoundException.class, () -> store.resolve(DigestPrefix.parse("ffff")));
        assertEquals("no blob matches digest prefix \"ffff\"", none.getMessage());
        assertThrows(NotFoundException.class, () -> store.resolve(DigestPrefix.parse("sha256:" + "f".repeat(64))));
    }

    @Test
    void ambiguityListsAtMostTenCandidates() throws IOException {
        List<BlobInfo> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rows.add(row(new Digest(DigestAlgorithm.SHA256, String.format("cc%062x", i))));
        }
        store.index().insertBlobs(rows);
        var e = assertThrows(InvalidArgumentException.class, () -> store.resolve(DigestPrefix.parse("cc")));
        assertTrue(e.getMessage().contains("more than 10 blobs"), e.getMessage());
        assertEquals(10, e.getMessage().split("sha256:", -1).length - 1);
    }

    private static BlobInfo row(Digest d) {
        return new BlobInfo(d, 1, null, java.time.Instant.EPOCH);
    }

    @Test
    void listAndSearch() throws IOException {
        Digest x = store.put(in("x".getBytes(StandardCharsets.UTF_8)), PutOptions.defaults().withMediaType("text/plain")).info().digest();
        Digest y = store.put(in("y".getBytes(StandardCharsets.UTF_8)), PutOptions.defaults().withMediaType("application/json")).info().digest();
        Digest z = store.put(in("z".getBytes(StandardCharsets.UTF_8)), PutOptions.defaults()).info().digest();
        store.setData(y, "label", "keep");
        store.setData(z, "label", "drop");
        assertEquals(List.of(x, y, z).stream().sorted().toList(), digests(store.list(BlobQuery.all())));
        assertEquals(List.of(x), digests(store.list(BlobQuery.all().withMediaType("text/plain"))));
        assertEquals(List.of(y, z).stream().sorted().toList(), digests(store.list(BlobQuery.all().withData("label", null))));
        assertEquals(List.of(z), digests(store.list(BlobQuery.all().withData("label", "drop"))));
        assertEquals(List.of(x), digests(store.list(BlobQuery.all().withPrefix(DigestPrefix.parse(x.hex().substring(0, 6))))));
        assertEquals(1, store.list(BlobQuery.all().withLimit(1)).size());
        assertThrows(InvalidArgumentException.class, () -> store.put(in(new byte[1]), PutOptions.defaults().withMediaType("not a type")));
    }

    private static List<Digest> digests(List<BlobInfo> infos) {
        return infos.stream().map(BlobInfo::digest).toList();
    }

    @Test
    void blobDataIsRemovedWithTheBlob() throws IOException {
        Digest d = store.put(in("data".getBytes(StandardCharsets.UTF_8)), PutOptions.defaults()).info().digest();
        store.setData(d, "accessed", "2026-01-01T00:00:00Z");
        store.setData(d, "label", "a");
        store.setData(d, "label", "b");
        assertEquals(Map.of("accessed", "2026-01-01T00:00:00Z", "label", "b"), store.listData(d));
        assertTrue(store.removeData(d, "accessed"));
        assertFalse(store.removeData(d, "accessed"));
        assertEquals(java.util.Optional.of("b"), store.getData(d, "label"));
        store.delete(d);
        assertEquals(0, store.stats().dataRecords(), "deleting a blob deletes its data rows");
        assertFalse(Files.exists(dir.blobPath(d)));
        assertThrows(NotFoundException.class, () -> store.delete(d));
        assertThrows(NotFoundException.class, () -> store.setData(d, "label", "x"));
        assertThrows(InvalidArgumentException.class, () -> store.setData(d, "", "x"));
    }

    @Test
    void referencedBlobsCannotBeRemovedUntilTheRecordGoes() throws IOException {
        Digest d = store.put(in("manifest".getBytes(StandardCharsets.UTF_8)), PutOptions.defaults()).info().digest();
        store.putRecord("refs", "nginx:latest", "{}", d);
        store.putRecord("refs", "nginx:stable", "{}", d);
        var e = assertThrows(FailedPreconditionException.class, () -> store.delete(d));
        assertTrue(e.getMessage().contains("refs/nginx:latest, refs/nginx:stable"), e.getMessage());
        assertTrue(store.contains(d));
        assertTrue(Files.exists(dir.blobPath(d)));
        assertEquals(List.of("leases/fresh/" + d, "refs/nginx:latest", "refs/nginx:stable"),
                store.recordsReferencing(d).stream().map(r -> r.namespace() + "/" + r.key()).toList(), "the two, and the put's fresh-blob lease");
        assertTrue(store.removeRecord("refs", "nginx:latest"));
        store.putRecord("refs", "nginx:stable", "no blob now", null);
        store.delete(d);
        assertFalse(store.contains(d));
        var missing = assertThrows(NotFoundException.class, () -> store.putRecord("refs", "x", "v", d));
        assertTrue(missing.getMessage().contains("is not in the store"), missing.getMessage());
        assertTrue(store.getRecord("refs", "x").isEmpty());
    }

    @Test
    void recordsListByNamespaceAndPrefix() throws IOException {
        store.putRecord("refs", "docker.io/library/nginx:1", "a", null);
        store.putRecord("refs", "docker.io/library/nginx:2", "b", null);
        store.putRecord("refs", "quay.io/x:1", "c", null);
        store.putRecord("other", "docker.io/library/nginx:1", "d", null);
        assertEquals(List.of("docker.io/library/nginx:1", "docker.io/library/nginx:2"),
                store.listRecords("refs", "docker.io/").stream().map(r -> r.key()).toList());
        assertEquals(3, store.listRecords("refs", "").size());
        assertEquals("d", store.getRecord("other", "docker.io/library/nginx:1").orElseThrow().value());
        assertFalse(store.removeRecord("refs", "nope"));
        assertThrows(InvalidArgumentException.class, () -> store.putRecord("", "k", "v", null));
        assertThrows(InvalidArgumentException.class, () -> store.putRecord("refs", "a\0b", "v", null));
    }

    @Test
    void closedStoresSaySo() throws IOException {
        store.close();
        assertThrows(io.cargohold.errors.UnavailableException.class, () -> store.stats());
    }
}
