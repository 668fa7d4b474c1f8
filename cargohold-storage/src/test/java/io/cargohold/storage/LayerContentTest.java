package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.archive.Compression;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Layers created from diffs through the Store: record fields, tar-split, failures, re-applying. */
class LayerContentTest {
    @TempDir
    Path tmp;

    private static final byte[] TAR = tar(LayerBuilder.create()
            .dir("etc").file("etc/hosts", "127.0.0.1 localhost\n").owner(0, 0)
            .file("etc/owned", "x\n").owner(1000, 2000)
            .file(".wh.gone", "").owner(4242, 4242) // whiteouts do not count in uidset/gidset
            .symlink("etc/link", "hosts").owner(33, 44)
            .build());

    private static byte[] tar(io.cargohold.testkit.images.Layer l) {
        try {
            return l.tar().bytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyCompressionIsDetectedAndRecorded(Compression c) throws Exception {
        byte[] blob = compress(TAR, c);
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        Layer l = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(blob));
        assertEquals(c.code(), l.compression());
        assertEquals(sha256(blob), l.compressedDigest());
        assertEquals(blob.length, l.compressedSize());
        assertEquals(sha256(TAR), l.uncompressedDigest());
        assertEquals(TAR.length, l.uncompressedSize());
        assertEquals(List.of(0L, 33L, 1000L), l.uidSet());
        assertEquals(List.of(0L, 44L, 2000L), l.gidSet());
        assertFalse(l.flags().containsKey("incomplete"));
        assertEquals("127.0.0.1 localhost\n", Files.readString(store.layerTree(l.id()).resolve("etc/hosts")));
        assertArrayEquals(TAR, diff(store, l.id(), Compression.NONE));
        assertEquals(List.of(l.id()), store.layersByUncompressedDigest(sha256(TAR)).stream().map(Layer::id).toList());
        assertEquals(List.of(l.id()), store.layersByCompressedDigest(sha256(blob)).stream().map(Layer::id).toList());
        if (c == Compression.BZIP2 || c == Compression.XZ) {
            IOException e = assertThrows(IOException.class, () -> diff(store, l.id(), null));
            assertEquals("unsupported compression format " + c.extension(), e.getMessage());
        } else if (c == Compression.GZIP) {
            byte[] gz = diff(store, l.id(), null); // as recorded: re-compressed with gzip
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
                assertArrayEquals(TAR, in.readAllBytes());
            }
        }
        // the tar-split file is where upstream keeps it, gzip-compressed JSON lines
        Path ts = tmp.resolve("g/vfs-layers/" + l.id() + ".tar-split.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(ts))) {
            String first = new String(in.readAllBytes()).lines().findFirst().orElseThrow();
            assertTrue(first.startsWith("{\"type\":2,\"payload\":\""), first);
        }
    }

    @Test
    void emptyDiffRecordsTheEmptyDigestAndNoSizes() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        Layer l = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(new byte[0]));
        String empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assertEquals(empty, l.compressedDigest());
        assertEquals(empty, l.uncompressedDigest());
        assertEquals(0, l.uncompressedSize());
        String json = Files.readString(tmp.resolve("g/vfs-layers/layers.json"));
        assertFalse(json.contains("diff-size"), json);
        assertFalse(json.contains("\"compression\""), json);
        assertArrayEquals(new byte[0], diff(store, l.id(), Compression.NONE));
    }

    @Test
    void callerSuppliedDigestsAreRecordedAsGiven() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        String d1 = "sha256:" + "1".repeat(64);
        String d2 = "sha256:" + "2".repeat(64);
        Layer l = store.createLayer(LayerOptions.of(null).withDiffDigests(d1, d2), new ByteArrayInputStream(TAR));
        assertEquals(d1, l.compressedDigest());
        assertEquals(d2, l.uncompressedDigest());
        assertEquals(TAR.length, l.uncompressedSize());
    }

    @Test
    void aFailedDiffLeavesNoLayerAndTheStoreUnchanged() throws Exception {
        Path g = tmp.resolve("g");
        Store store = Store.open(StoreOptions.vfs(g, tmp.resolve("r")));
        Layer base = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(TAR));
        String before = Files.readString(g.resolve("vfs-layers/layers.json"));
        byte[] truncated = Arrays.copyOf(TAR, 700); // inside the first file's content
        assertThrows(IOException.class, () -> store.createLayer(LayerOptions.of(base.id()).withNames(List.of("bad")),
                new ByteArrayInputStream(truncated)));
        assertEquals(before, Files.readString(g.resolve("vfs-layers/layers.json")));
        assertEquals(java.util.Set.of(base.id()), Peers.trees(g));
        try (var s = Files.list(g.resolve("vfs-layers"))) {
            assertEquals(List.of(base.id() + ".tar-split.gz", "layers.json", "layers.lock"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(1, store.layers().size());
    }

    @Test
    void anExpectedDiffDigestIsCheckedAndAMismatchLeavesTheStoreUnchanged() throws Exception {
        Path g = tmp.resolve("g");
        Store store = Store.open(StoreOptions.vfs(g, tmp.resolve("r")));
        Layer base = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(TAR));
        String before = Files.readString(g.resolve("vfs-layers/layers.json"));
        byte[] other = tar(LayerBuilder.create().file("other.txt", "other\n").build());
        byte[] gz = compress(other, Compression.GZIP);
        String lie = sha256(TAR);
        // the given digests would be recorded as they are: the expectation is checked against the computed one
        LayerOptions o = LayerOptions.of(base.id()).withId("f".repeat(64)).withDiffDigests(sha256(gz), lie).expectingDiffDigest(lie);
        io.cargohold.errors.CorruptException e = assertThrows(io.cargohold.errors.CorruptException.class,
                () -> store.createLayer(o, new ByteArrayInputStream(gz)));
        assertEquals("layer diff digest mismatch: the uncompressed diff hashes to " + sha256(other) + ", expected " + lie,
                e.getMessage());
        assertEquals(before, Files.readString(g.resolve("vfs-layers/layers.json")));
        assertEquals(java.util.Set.of(base.id()), Peers.trees(g));
        try (var s = Files.list(g.resolve("vfs-layers"))) {
            assertEquals(List.of(base.id() + ".tar-split.gz", "layers.json", "layers.lock"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Layer ok = store.createLayer(o.expectingDiffDigest(sha256(other)).withDiffDigests(sha256(gz), sha256(other)),
                new ByteArrayInputStream(gz));
        assertEquals("f".repeat(64), ok.id());
        assertEquals(sha256(other), ok.uncompressedDigest());
        assertEquals(sha256(gz), ok.compressedDigest());
        assertEquals(gz.length, ok.compressedSize());
        assertEquals(2, ok.compression());
        assertEquals(2, store.layers().size());
    }

    @Test
    void applyDiffToAnExistingLayerReplacesItsTarSplitAndDigests() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        Layer l = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(TAR));
        byte[] second = tar(LayerBuilder.create().file("second.txt", "2\n").owner(7, 8).build());
        store.applyDiff(l.id(), new ByteArrayInputStream(second));
        Layer after = store.layer(l.id());
        assertEquals(sha256(second), after.uncompressedDigest());
        assertEquals(List.of(7L), after.uidSet());
        assertArrayEquals(second, diff(store, l.id(), Compression.NONE));
        assertTrue(Files.exists(store.layerTree(l.id()).resolve("etc/hosts")), "the tree is cumulative");
    }

    @Test
    void aModifiedFileFailsReassemblyWithUpstreamsMessage() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        Layer l = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(TAR));
        Files.writeString(store.layerTree(l.id()).resolve("etc/hosts"), "changed\n");
        IOException e = assertThrows(IOException.class, () -> diff(store, l.id(), Compression.NONE));
        assertEquals("file integrity checksum failed for \"etc/hosts\"", e.getMessage());
    }

    static byte[] diff(Store store, String id, Compression c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.diff(null, id, c, out);
        return out.toByteArray();
    }

    static byte[] compress(byte[] tar, Compression c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = switch (c) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out);
            case ZSTD -> new com.github.luben.zstd.ZstdOutputStream(out);
            case BZIP2 -> new BZip2CompressorOutputStream(out);
            case XZ -> new XZCompressorOutputStream(out);
        }) {
            z.write(tar);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
