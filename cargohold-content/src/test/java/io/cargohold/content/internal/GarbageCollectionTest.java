package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobQuery;
import io.cargohold.content.KvRecord;
import io.cargohold.content.PutOptions;
import io.cargohold.content.gc.GcOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.content.gc.ReferenceScanner;
import io.cargohold.content.gc.References;
import io.cargohold.digest.Digest;
import io.cargohold.errors.InvalidArgumentException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GC over a toy format: a "doc" blob lists child digests, one per line; "leaf" blobs have none. */
class GarbageCollectionTest {
    @TempDir
    Path root;
    LocalBlobStore store;

    static final ReferenceScanner LINES = (blob, content) -> {
        if (!"text/x-doc".equals(blob.mediaType())) {
            return References.NONE;
        }
        try (InputStream in = content.open()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (text.startsWith("!")) {
                return References.unreadable("not a doc");
            }
            Set<Digest> out = new HashSet<>();
            for (String line : text.lines().toList()) {
                try {
                    out.add(Digest.parse(line));
                } catch (InvalidArgumentException e) {
                    return References.unreadable(e.getMessage());
                }
            }
            return References.of(out);
        }
    };

    @BeforeEach
    void open() throws IOException {
        // No fresh-blob leases: these tests put blobs and sweep at once (FreshBlobLeaseTest covers the grace period).
        store = LocalBlobStore.open(root, io.cargohold.content.StoreOptions.defaults().withFreshBlobGrace(java.time.Duration.ZERO));
    }

    @AfterEach
    void close() {
        store.close();
    }

    Digest leaf(String s) throws IOException {
        return store.put(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), PutOptions.defaults()).info().digest();
    }

    Digest doc(Digest... children) throws IOException {
        String text = java.util.Arrays.stream(children).map(Digest::toString).collect(Collectors.joining("\n"));
        return store.put(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                PutOptions.defaults().withMediaType("text/x-doc")).info().digest();
    }

    Set<Digest> stored() throws IOException {
        return store.list(BlobQuery.all()).stream().map(b -> b.digest()).collect(Collectors.toSet());
    }

    @Test
    void keepsEverythingReachableAtAnyDepthAndSweepsTheRest() throws IOException {
        Digest l1 = leaf("l1");
        Digest l2 = leaf("l2");
        Digest shared = leaf("shared");
        Digest m1 = doc(l1, shared);
        Digest m2 = doc(l2, shared);
        Digest index = doc(m1, m2);          // index -> manifests -> layers: three levels
        Digest top = doc(index);             // and a fourth
        Digest orphanLeaf = leaf("orphan");
        Digest orphanDoc = doc(orphanLeaf, l1);
        store.putRecord("refs", "app:1", "{}", top);

        GcReport dry = store.collectGarbage(GcOptions.dryRunOnly(), LINES);
        assertTrue(dry.dryRun());
        assertEquals(Set.of(orphanLeaf, orphanDoc), dry.removed().stream().map(b -> b.digest()).collect(Collectors.toSet()));
        assertEquals(9, stored().size(), "a dry run removes nothing");

        GcReport r = store.collectGarbage(GcOptions.sweep(), LINES);
        assertEquals(Set.of(orphanLeaf, orphanDoc), r.removed().stream().map(b -> b.digest()).collect(Collectors.toSet()));
        assertEquals(store.list(BlobQuery.all()).size(), 7);
        assertEquals("orphan".length() + (orphanLeaf + "\n" + l1).length(), r.bytesFreed());
        assertEquals(1, r.roots());
        assertEquals(7, r.reachable());
        assertEquals(Set.of(l1, l2, shared, m1, m2, index, top), stored());
        assertFalse(Files.exists(new BlobDirectory(root).blobPath(orphanLeaf)));

        // Dropping the reference frees everything; a second run finds nothing more.
        store.removeRecord("refs", "app:1");
        assertEquals(7, store.collectGarbage(GcOptions.sweep(), LINES).removed().size());
        assertEquals(Set.of(), stored());
        assertEquals(0, store.collectGarbage(GcOptions.sweep(), LINES).removed().size());
    }

    @Test
    void unreadableDocumentsAreKeptAndReportedAndTheRestGoesOn() throws IOException {
        Digest l = leaf("l");
        Digest bad = store.put(new ByteArrayInputStream("!garbage".getBytes(StandardCharsets.UTF_8)),
                PutOptions.defaults().withMediaType("text/x-doc")).info().digest();
        Digest good = doc(l);
        Digest orphan = leaf("o");
        store.putRecord("refs", "bad", "", bad);
        store.putRecord("refs", "good", "", good);
        GcReport r = store.collectGarbage(GcOptions.sweep(), LINES);
        assertEquals(List.of(bad), r.unreadable().stream().map(GcReport.Problem::digest).toList());
        assertEquals(List.of(orphan), r.removed().stream().map(b -> b.digest()).toList());
        assertTrue(store.contains(bad) && store.contains(good) && store.contains(l));
    }

    @Test
    void cyclesAndReferencesToAbsentBlobsAreFine() throws IOException {
        Digest absent = Digest.sha256("never stored".getBytes(StandardCharsets.UTF_8));
        Digest a = doc(absent);
        store.putRecord("refs", "a", "", a);
        GcReport r = store.collectGarbage(GcOptions.sweep(), LINES);
        assertEquals(List.of(), r.removed());
        assertTrue(store.contains(a));
    }

    @Test
    void pinsAreCreatedWithTheBlobAndExpiredOnesStopCounting() throws IOException {
        Digest pinned = store.put(new ByteArrayInputStream("in flight".getBytes(StandardCharsets.UTF_8)),
                PutOptions.defaults().withPin(new PutOptions.Pin("leases", "L1/x", "2000-01-01T00:00:00Z"))).info().digest();
        Digest fresh = store.put(new ByteArrayInputStream("fresh".getBytes(StandardCharsets.UTF_8)),
                PutOptions.defaults().withPin(new PutOptions.Pin("leases", "L2/y", "2999-01-01T00:00:00Z"))).info().digest();
        assertEquals(pinned, store.getRecord("leases", "L1/x").orElseThrow().blob());
        var expiredPolicy = GcOptions.sweep().withExpired(
                (KvRecord k) -> k.namespace().equals("leases") && Instant.parse(k.value()).isBefore(Instant.now()));
        GcReport dry = store.collectGarbage(GcOptions.dryRunOnly().withExpired(expiredPolicy.expired()), LINES);
        assertEquals(List.of(pinned), dry.removed().stream().map(b -> b.digest()).toList());
        assertTrue(store.getRecord("leases", "L1/x").isPresent(), "a dry run drops no record");
        GcReport r = store.collectGarbage(expiredPolicy, LINES);
        assertEquals(List.of("L1/x"), r.expiredRecords().stream().map(KvRecord::key).toList());
        assertEquals(List.of(pinned), r.removed().stream().map(b -> b.digest()).toList());
        assertTrue(store.contains(fresh));
        assertEquals(1, store.removeRecords("leases", "L2/"));
        assertEquals(1, store.collectGarbage(GcOptions.sweep(), LINES).removed().size());
    }

    @Test
    void theLayoutIndexIsReplacedAtomically() throws IOException {
        store.replaceLayoutIndex(() -> "{\"schemaVersion\":2,\"manifests\":[{\"x\":1}]}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"schemaVersion\":2,\"manifests\":[{\"x\":1}]}", Files.readString(root.resolve("index.json")));
        try (var files = Files.list(root)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")));
        }
    }
}
