package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.Image;
import io.cargohold.testkit.images.Layer;
import io.cargohold.testkit.images.TestImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void edgeCaseLayersReassembleByteForByte() throws Exception {
        Image img = TestImages.edgeCasesImage(1);
        Path root = Files.createDirectory(tmp.resolve("root"));
        for (Layer l : img.layerSources()) {
            for (Compression c : new Compression[] {Compression.GZIP}) {
                byte[] blob = l.blob(c).bytes();
                ByteArrayOutputStream ts = new ByteArrayOutputStream();
                ApplyResult r = LayerArchive.apply(new ByteArrayInputStream(blob), root, ts, ApplyOptions.defaults());
                assertEquals(l.diffId(), r.uncompressedDigest());
                assertEquals(l.blob(c).digest(), r.compressedDigest());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                LayerArchive.reassemble(new ByteArrayInputStream(ts.toByteArray()), root, out);
                assertArrayEquals(l.tar().bytes(), out.toByteArray());
            }
        }
    }

    @Test
    void aCompressedDigestTheCallerGivesIsRecordedAsGivenWithTheCompressedSizeCounted() throws Exception {
        Image img = TestImages.edgeCasesImage(2);
        Layer l = img.layerSources().get(0);
        byte[] blob = l.blob(Compression.GZIP).bytes();
        String given = "sha256:" + "ab".repeat(32); // not the blob's: proves it is taken as given (upstream's OriginalDigest)
        Path root = Files.createDirectory(tmp.resolve("given"));
        ApplyResult r = LayerArchive.apply(new ByteArrayInputStream(blob), root, new ByteArrayOutputStream(),
                ApplyOptions.defaults().withDigests(given, null));
        assertEquals(given, r.compressedDigest());
        assertEquals(blob.length, r.compressedSize());
        assertEquals(l.diffId(), r.uncompressedDigest()); // the diff is still hashed
        assertEquals(l.tar().bytes().length, r.uncompressedSize());
    }

    /** Runs of zeros become holes; a file that ends in one (or is all zeros) still gets its full size and bytes. */
    @Test
    void filesEndingInZerosKeepTheirSizeAndReassemble() throws Exception {
        byte[] tail = new byte[300 * 1024 + 384 * 1024 + 17];
        for (int i = 0; i < 300 * 1024; i++) {
            tail[i] = (byte) (i * 31 + 7);
        }
        byte[] allZero = new byte[512 * 1024];
        byte[] zeroThenData = new byte[256 * 1024 + 3];
        zeroThenData[zeroThenData.length - 1] = 1;
        byte[] tar = io.cargohold.testkit.images.LayerBuilder.create().file("tail", tail).file("zeros", allZero)
                .file("zero-then-data", zeroThenData).file("empty", new byte[0]).build().tar().bytes();
        Path root = Files.createDirectory(tmp.resolve("z"));
        ByteArrayOutputStream ts = new ByteArrayOutputStream();
        LayerArchive.apply(new ByteArrayInputStream(tar), root, ts, ApplyOptions.defaults());
        assertArrayEquals(tail, Files.readAllBytes(root.resolve("tail")));
        assertArrayEquals(allZero, Files.readAllBytes(root.resolve("zeros")));
        assertArrayEquals(zeroThenData, Files.readAllBytes(root.resolve("zero-then-data")));
        assertEquals(0, Files.size(root.resolve("empty")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerArchive.reassemble(new ByteArrayInputStream(ts.toByteArray()), root, out);
        assertArrayEquals(tar, out.toByteArray());
    }
}
