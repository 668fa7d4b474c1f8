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
}
