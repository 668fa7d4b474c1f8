package io.cargohold.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciStoreTest {
    @TempDir
    Path tmp;
    Path root;
    OciStore oci;

    @BeforeEach
    void open() throws IOException {
        root = tmp.resolve("store");
        oci = OciStore.open(root, StoreOptions.defaults().withFreshBlobGrace(java.time.Duration.ZERO)); // blobs put here are swept at once
    }

    @AfterEach
    void close() throws IOException {
        oci.close();
    }

    static Reference ref(String s) {
        try {
            return Reference.parse(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    Set<String> storedBlobs() throws IOException {
        return oci.blobs().list(BlobQuery.all()).stream().map(b -> b.digest().toString()).collect(Collectors.toCollection(TreeSet::new));
    }

    String skopeoDigest(String image) {
        Tools.Result r = Tools.ok(Tools.require("skopeo"), "inspect", "--raw", image);
        return Digest.sha256(r.stdout()).toString();
    }

    @Test
    void garbageCollectionFreesExactlyTheUnsharedBlobsOfARemovedTag() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("l"));
        TestImports.importLayout(oci, w.dir(), "latest", ref("app:latest"));
        TestImports.importLayout(oci, w.dir(), "v2", ref("app:v2"));
        Set<String> latest = new HashSet<>(w.ref("latest").image().blobDigests());
        Set<String> v2Only = new TreeSet<>(w.ref("v2").image().blobDigests());
        v2Only.removeAll(latest);
        assertFalse(v2Only.isEmpty());
        assertTrue(oci.gc(false).removed().isEmpty(), "nothing is garbage while both tags exist");
        oci.remove(ref("app:v2"));
        GcReport dry = oci.gc(true);
        assertEquals(v2Only, dry.removed().stream().map(b -> b.digest().toString()).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(w.blobs().size(), storedBlobs().size(), "a dry run removes nothing");
        GcReport r = oci.gc(false);
        assertEquals(v2Only, r.removed().stream().map(b -> b.digest().toString()).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(v2Only.stream().mapToLong(d -> w.blobs().get(d)).sum(), r.bytesFreed());
        assertTrue(oci.check(ref("app:latest")).complete());
        assertFalse(Files.readString(root.resolve("index.json")).contains("app:v2"), "index.json follows the references");
    }

    @Test
    void garbageCollectionKeepsEveryPlatformOfAnIndexAndAnyDescriptorGraph() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("m"));
        TestImports.importLayout(oci, w.dir(), "latest", ref("multi:latest"));
        // an unknown artifact type (no manifest or index media type) whose JSON names the index
        String artifact = "{\"refers\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\""
                + w.ref("latest").digest() + "\",\"size\":1}}";
        Digest art = oci.blobs().put(new ByteArrayInputStream(artifact.getBytes(StandardCharsets.UTF_8)),
                PutOptions.defaults().withMediaType("application/vnd.example.thing+json")).info().digest();
        oci.blobs().putRecord("pins", "artifact", "", art);
        oci.remove(ref("multi:latest"));
        GcReport r = oci.gc(false);
        assertEquals(List.of(), r.removed(), "the index, both manifests, configs and layers stay: the artifact reaches them");
        assertTrue(storedBlobs().containsAll(w.blobs().keySet()));
        oci.blobs().removeRecord("pins", "artifact");
        assertEquals(w.blobs().size() + 1, oci.gc(false).removed().size());
        assertEquals(Set.of(), storedBlobs());
    }

    @Test
    void anUnparseableManifestIsKeptAndReportedWithoutStoppingTheCollection() throws IOException {
        Digest bad = oci.blobs().put(new ByteArrayInputStream("{not json".getBytes(StandardCharsets.UTF_8)),
                PutOptions.defaults().withMediaType(MediaTypes.OCI_MANIFEST)).info().digest();
        oci.blobs().putRecord("pins", "bad", "", bad);
        Digest orphan = oci.blobs().put(new ByteArrayInputStream(new byte[] {1, 2, 3}), PutOptions.defaults()).info().digest();
        GcReport r = oci.gc(false);
        assertEquals(List.of(bad), r.unreadable().stream().map(GcReport.Problem::digest).toList());
        assertEquals(List.of(orphan), r.removed().stream().map(BlobInfo::digest).toList());
        assertTrue(oci.blobs().contains(bad));
    }

    @Test
    void checkReportsMissingAndCorruptBlobs() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("l"));
        TestImports.importLayout(oci, w.dir(), "latest", ref("app:1"));
        var image = w.ref("latest").image();
        String first = image.layers().getFirst().digest();
        String config = image.config().digest();
        Path store = root.resolve("blobs/sha256");
        Files.delete(store.resolve(first.substring(7)));
        Path cfg = store.resolve(config.substring(7));
        Files.setPosixFilePermissions(cfg, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        byte[] b = Files.readAllBytes(cfg);
        b[0] ^= 1;
        Files.write(cfg, b);
        CheckReport r = oci.check(ref("app:1"));
        assertFalse(r.complete());
        assertEquals(Set.of(first, config), r.problems().stream().map(p -> p.digest().toString()).collect(Collectors.toSet()));
        assertTrue(r.problems().stream().allMatch(p -> p.namedBy().equals("manifest " + w.ref("latest").digest())));
        assertTrue(r.problems().stream().anyMatch(p -> p.reason().startsWith("corrupt")));
    }

    @Test
    void anImportSessionPinsWhatItPutsOrFindsAndUndoesItWithoutACommit() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("l"));
        TestImports.importLayout(oci, w.dir(), "latest", ref("app:1"));
        Set<String> before = storedBlobs();
        var image = w.ref("latest").image();
        Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(image.config().digest()), image.config().size());
        Digest fresh;
        try (ImportSession s = oci.beginImport()) {
            assertTrue(s.has(config), "present with its size");
            assertFalse(s.has(Descriptor.of(MediaTypes.OCI_CONFIG, config.digest(), config.size() + 1)), "a lying size is not present");
            fresh = s.put(new ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8)), null, 3, null).info().digest();
            assertEquals(List.of(fresh), s.inserted());
            oci.remove(ref("app:1"));
            assertEquals(List.of(), oci.gc(false).removed().stream().filter(b -> b.digest().equals(fresh)
                    || b.digest().equals(config.digest())).toList(), "pinned by the lease: gc keeps them");
        }
        assertFalse(oci.blobs().contains(fresh), "no commit: what the session added is gone");
        assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size());
        assertTrue(oci.blobs().contains(config.digest()), "what it found stays (until gc)");
        try (ImportSession s = oci.beginImport()) {
            Digest kept = s.put(new ByteArrayInputStream("kept".getBytes(StandardCharsets.UTF_8)), null, 4, "application/octet-stream")
                    .info().digest();
            s.commit(ref("blob:1"), Descriptor.of("application/octet-stream", kept, 4));
            s.commit(ref("blob:2"), Descriptor.of("application/octet-stream", kept, 4));
        }
        assertEquals(List.of("blob:1", "blob:2"), oci.list().stream().map(r -> r.reference().toString()).toList());
        assertTrue(Files.readString(root.resolve("index.json")).contains("blob:2"), "index.json rewritten at commit");
        assertTrue(before.size() > 0);
    }
}
