package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.copy.cargohold.ExportResult;
import io.cargohold.copy.cargohold.ImportExport;
import io.cargohold.copy.cargohold.ImportResult;
import io.cargohold.oci.CheckReport;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.Inspection;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciStore;
import io.cargohold.content.gc.GcReport;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenDockerArchive;
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

/** import and export as copies (ImportExport over the engine): the old OciStore import/export semantics, kept. */
class ImportExportTest {
    @TempDir
    Path tmp;
    Path root;
    OciStore oci;

    ImportExport imports;

    @BeforeEach
    void open() throws IOException {
        root = tmp.resolve("store");
        oci = OciStore.open(root, StoreOptions.defaults());
        imports = new ImportExport(oci, CopyContext.of(root, io.cargohold.storage.StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r"))), null);
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
    void everyTestImageImportsChecksExportsAndIsReadByRealTools() throws IOException {
        record Case(String name, WrittenLayout layout, String tag) {
        }
        List<Case> cases = List.of(
                new Case("small", TestImages.small(tmp.resolve("small")), "latest"),
                new Case("shared", TestImages.twoTagsSharingLayers(tmp.resolve("shared")), "v2"),
                new Case("multi", TestImages.multiArch(tmp.resolve("multi")), "latest"),
                new Case("zstd", TestImages.zstd(tmp.resolve("zstd")), "latest"),
                new Case("edge", TestImages.hardlinksWhiteoutsOddNames(tmp.resolve("edge")), "latest"),
                new Case("docker", TestImages.dockerSchema2(tmp.resolve("docker")), "latest"));
        for (Case c : cases) {
            var w = c.layout().ref(c.tag());
            ImportResult r = imports.importLayout(c.layout().dir(), c.tag(), ref(c.name() + ":" + c.tag()));
            assertEquals(w.digest(), r.image().descriptor().digest().toString(), c.name());
            Set<String> expected = new HashSet<>();
            w.images().forEach(i -> expected.addAll(i.blobDigests()));
            expected.add(w.digest());
            assertEquals(expected.size(), r.blobs(), c.name());
            assertTrue(storedBlobs().containsAll(expected), c.name());
            assertTrue(oci.check(ref(c.name() + ":" + c.tag())).complete(), c.name());

            Path out = tmp.resolve("export-" + c.name());
            ExportResult e = imports.export(ref(c.name() + ":" + c.tag()), out, c.tag());
            assertEquals(expected.size(), e.blobs());
            for (String d : expected) {
                assertTrue(Files.isRegularFile(out.resolve("blobs/sha256/" + d.substring(7))), c.name() + " " + d);
            }
            assertEquals(w.digest(), skopeoDigest("oci:" + out + ":" + c.tag()), c.name() + ": skopeo reads the export");
            Path copy = tmp.resolve("copy-" + c.name());
            Tools.ok(Tools.require("skopeo"), "copy", "--preserve-digests", "--all", "oci:" + out + ":" + c.tag(), "oci:" + copy + ":" + c.tag());
            assertEquals(w.digest(), skopeoDigest("oci:" + copy + ":" + c.tag()), c.name() + ": digests survive skopeo copy");
        }
        // umoci unpacks every exported single-arch OCI image (zstd, indexes and Docker media types are
        // umoci 0.4.7's limits) to the same tree as the layout we imported it from: content, modes,
        // owners, xattrs, links and times (TreeSnapshot).
        for (Case c : cases) {
            if (!List.of("small", "shared", "edge").contains(c.name())) {
                continue;
            }
            Path fromSource = umociUnpack(c.layout().dir(), c.tag(), tmp.resolve("bundle-source-" + c.name()));
            Path fromExport = umociUnpack(tmp.resolve("export-" + c.name()), c.tag(), tmp.resolve("bundle-export-" + c.name()));
            assertTrue(io.cargohold.testkit.fs.TreeSnapshot.of(fromSource).nodes().size() > 1, c.name() + ": umoci unpacked something");
            io.cargohold.testkit.fs.TreeSnapshot.assertSameTree(fromSource, fromExport, io.cargohold.testkit.fs.TreeSnapshot.Options.DEFAULT);
        }
        // and the store root itself is a layout that skopeo reads, for every reference
        assertEquals(cases.get(2).layout().ref("latest").digest(), skopeoDigest("oci:" + root + ":multi:latest"));
        assertEquals(cases.get(0).layout().ref("latest").digest(), skopeoDigest("oci:" + root + ":small:latest"));
        assertEquals(6, oci.list().size());
    }

    /** {@code umoci unpack} of LAYOUT:TAG into BUNDLE; returns BUNDLE/rootfs. */
    Path umociUnpack(Path layout, String tag, Path bundle) throws IOException {
        List<Object> unpack = new java.util.ArrayList<>(List.of(Tools.require("umoci"), "--log", "error", "unpack"));
        if (!Tools.isRoot(tmp)) {
            unpack.add("--rootless");
        }
        unpack.addAll(List.of("--image", layout + ":" + tag, bundle));
        Tools.ok(unpack.toArray());
        return bundle.resolve("rootfs");
    }

    @Test
    void importIsIdempotentAndAllImportsEveryNamedReference() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("l"));
        List<ImportResult> first = imports.importLayoutAll(w.dir(), "app");
        assertEquals(List.of("app:latest", "app:v2"), first.stream().map(r -> r.image().reference().toString()).sorted().toList());
        Set<String> blobs = storedBlobs();
        assertEquals(new TreeSet<>(w.blobs().keySet()), blobs, "every blob of the layout, nothing else");
        List<ImportResult> again = imports.importLayoutAll(w.dir(), "app");
        assertEquals(0, again.stream().mapToInt(ImportResult::newBlobs).sum());
        assertEquals(blobs, storedBlobs());
        assertEquals(2, oci.list().size());
        assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size(), "leases are gone after import");
        var noRepo = assertThrows(io.cargohold.errors.InvalidArgumentException.class,
                () -> imports.importLayoutAll(w.dir(), null));
        assertTrue(noRepo.getMessage().contains("not NAME:TAG"), noRepo.getMessage());
        var unknown = assertThrows(NotFoundException.class, () -> imports.importLayout(w.dir(), "v9", ref("x:1")));
        assertTrue(unknown.getMessage().contains("has no reference \"v9\" (it has: latest, v2)"), unknown.getMessage());
    }

    @Test
    void dockerArchivesImportWithTheirLayersByteForByte() throws IOException {
        WrittenDockerArchive a = TestImages.dockerArchive(tmp.resolve("app.tar"));
        List<ImportResult> rs = imports.importDockerArchive(a.file(), null);
        assertEquals(a.image().repoTags(), rs.stream().map(r -> r.image().reference().toString()).toList());
        Reference r = rs.getFirst().image().reference();
        Inspection in = oci.inspect(r);
        OciDocument.Manifest m = (OciDocument.Manifest) in.document();
        assertEquals(a.image().diffIds(), m.layers().stream().map(l -> l.digest().toString()).toList(),
                "uncompressed layers: their digests are the config's diff_ids");
        assertEquals(a.image().config().digest(), m.config().digest().toString());
        assertTrue(oci.check(r).complete());
        Set<String> expected = new TreeSet<>(a.image().diffIds());
        expected.add(a.image().config().digest());
        expected.add(rs.getFirst().image().descriptor().digest().toString());
        assertEquals(expected, storedBlobs(), "manifest.json and other archive files are not kept");
        assertEquals(io.cargohold.oci.MediaTypes.OCI_MANIFEST, m.mediaType(),
                "the Docker schema 2 manifest skopeo synthesises, converted to OCI as skopeo's oci: destination converts it");
        Path out = tmp.resolve("exported");
        imports.export(r, out, "latest");
        // skopeo 1.9.3's oci: transport names only OCI entries of index.json: this one it reads
        com.fasterxml.jackson.databind.JsonNode seen = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Tools.ok(Tools.require("skopeo"), "inspect", "oci:" + out + ":latest").stdout());
        List<String> layers = new java.util.ArrayList<>();
        seen.get("Layers").forEach(n -> layers.add(n.asText()));
        assertEquals(a.image().diffIds(), layers);
        assertEquals(rs.getFirst().image().descriptor().digest().toString(), imports.importLayout(out, "latest", ref("back:1"))
                .image().descriptor().digest().toString());
    }

    // ------------------------------------------------------------ bad input leaves the store unchanged

    private void assertFailsAndStoreUnchanged(Class<? extends Exception> kind, String fragment, IoAction action) throws IOException {
        Set<String> before = storedBlobs();
        List<ImageRef> refsBefore = oci.list();
        String indexBefore = Files.readString(root.resolve("index.json"));
        Exception e = assertThrows(kind, action::run);
        assertTrue(e.getMessage().contains(fragment), fragment + " <> " + e.getMessage());
        assertEquals(before, storedBlobs(), "no blob added or lost");
        assertEquals(refsBefore, oci.list());
        assertEquals(indexBefore, Files.readString(root.resolve("index.json")));
        assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size());
        try (var s = Files.list(root.resolve("ingest"))) {
            assertEquals(0, s.count(), "no temp file left");
        }
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    @Test
    void aLayoutNamingAMissingBlobIsRefused() throws IOException {
        imports.importLayout(TestImages.small(tmp.resolve("ok")).dir(), "latest", ref("ok:1"));
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("l"), 7);
        String layer = w.ref("v2").image().layers().getLast().digest();
        Files.delete(w.blobPath(layer));
        assertFailsAndStoreUnchanged(CorruptException.class, "is incomplete: blob " + layer,
                () -> imports.importLayout(w.dir(), "v2", ref("app:v2")));
    }

    @Test
    void aBlobWithTheWrongDigestIsRefused() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("l"), 3);
        String layer = w.ref("latest").image().layers().getLast().digest();
        Path p = w.blobPath(layer);
        byte[] bytes = Files.readAllBytes(p);
        bytes[bytes.length / 2] ^= 1;
        Files.write(p, bytes);
        assertFailsAndStoreUnchanged(CorruptException.class, "blob " + layer + ": digest mismatch",
                () -> imports.importLayout(w.dir(), "latest", ref("app:1")));
    }

    @Test
    void aManifestWithAWrongSizeIsRefused() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("l"), 4);
        Path index = w.dir().resolve("index.json");
        long size = w.ref("latest").descriptor().size();
        Files.writeString(index, Files.readString(index).replace("\"size\":" + size, "\"size\":" + (size + 5)));
        assertFailsAndStoreUnchanged(CorruptException.class, "size mismatch",
                () -> imports.importLayout(w.dir(), "latest", ref("app:1")));
    }

    @Test
    void aTruncatedDockerArchiveIsRefused() throws IOException {
        WrittenDockerArchive a = TestImages.dockerArchive(tmp.resolve("app.tar"), 5);
        byte[] all = Files.readAllBytes(a.file());
        Path cut = tmp.resolve("cut.tar");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length * 2 / 3 + 100));
        assertFailsAndStoreUnchanged(CorruptException.class, "truncated or not a tar",
                () -> imports.importDockerArchive(cut, null));
    }

    @Test
    void aDirectoryThatIsNoLayoutIsRefused() throws IOException {
        Files.createDirectories(tmp.resolve("empty"));
        assertFailsAndStoreUnchanged(CorruptException.class, "is not an OCI image layout: oci-layout is missing",
                () -> imports.importLayout(tmp.resolve("empty"), "latest", ref("a:1")));
        assertFailsAndStoreUnchanged(NotFoundException.class, "no such directory",
                () -> imports.importLayout(tmp.resolve("nothing"), "latest", ref("a:1")));
    }

    @Test
    void aLayoutWithoutTheReferenceNamesWhatItHas() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("l"));
        assertFailsAndStoreUnchanged(NotFoundException.class, "has no reference \"v9\" (it has: latest, v2)",
                () -> imports.importLayout(w.dir(), "v9", ref("app:1")));
    }

    @Test
    void anUnsupportedMediaTypeIsRefused() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("l"), 6);
        Path index = w.dir().resolve("index.json");
        Files.writeString(index, Files.readString(index).replace(io.cargohold.oci.MediaTypes.OCI_MANIFEST, "application/vnd.example.thing"));
        assertFailsAndStoreUnchanged(io.cargohold.errors.InvalidArgumentException.class, "not an image manifest or index",
                () -> imports.importLayout(w.dir(), "latest", ref("app:1")));
    }
}
