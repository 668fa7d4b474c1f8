package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutWriterTest {
    private static final Layer BASE = LayerBuilder.create().dir("etc").file("etc/hostname", "h\n").build();

    @Test
    void writesTagsImagesIndexesAndUntaggedManifests(@TempDir Path dir) throws IOException {
        Layer top1 = LayerBuilder.create().file("v", "1").build();
        Layer top2 = LayerBuilder.create().file("v", "2").build();
        Image v1 = ImageBuilder.create().layer(BASE).layer(top1).build();
        Image v2 = ImageBuilder.create().layer(BASE).layer(top2).build();
        Image arm = ImageBuilder.create().platform(Platform.LINUX_ARM64_V8).layer(BASE).build();
        ImageIndex idx = IndexBuilder.create().add(v1).add(arm).build();
        WrittenLayout w = new OciLayoutWriter(dir.resolve("lay")).tag("latest", v1).tag("v2", v2).tag("multi", idx)
                .untagged(arm).write();
        LayoutCheck.verify(w);
        assertEquals(List.of("latest", "v2", "multi"), w.refNames().subList(0, 3));
        assertNull(w.refs().get(3).name());
        assertEquals(v1.manifest().digest(), w.ref("latest").digest());
        assertEquals("latest", w.ref("latest").descriptor().annotations().get(MediaTypes.REF_NAME));
        assertTrue(w.ref("multi").isIndex());
        assertEquals(idx.descriptor().digest(), w.ref("multi").digest());
        assertEquals(arm.info(), w.ref("multi").image(Platform.LINUX_ARM64_V8));
        // BASE's blob is shared by four manifests but written once
        long files;
        try (var s = Files.list(dir.resolve("lay/blobs/sha256"))) {
            files = s.count();
        }
        assertEquals(w.blobs().size(), files);
        assertEquals(BASE.blob(Compression.GZIP).size(), w.blobs().get(BASE.blob(Compression.GZIP).digest()));
        assertEquals("oci:" + dir.resolve("lay") + ":v2", w.skopeoRef("v2"));
    }

    @Test
    void refusesAnExistingLayoutAndDuplicateTags(@TempDir Path dir) throws IOException {
        Image img = ImageBuilder.create().layer(BASE).build();
        new OciLayoutWriter(dir).tag("latest", img).write();
        assertThrows(IOException.class, () -> new OciLayoutWriter(dir).tag("other", img).write());
        assertThrows(IllegalArgumentException.class, () -> new OciLayoutWriter(dir).tag("a", img).tag("a", img));
    }

    @Test
    void spooledBlobsAreHardLinkedIntoTheLayout(@TempDir Path dir) throws IOException {
        Layer big = LayerBuilder.create().randomFile("big", 3 << 20, 1).build(dir.resolve("spool"));
        Image img = ImageBuilder.create().layer(big, Compression.ZSTD).build();
        WrittenLayout w = new OciLayoutWriter(dir.resolve("lay")).tag("latest", img).write();
        LayoutCheck.verify(w);
        Path blob = w.blobPath(img.layers().getFirst().digest());
        assertTrue(Files.isSameFile(blob, big.blob(Compression.ZSTD).file().orElseThrow()));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(blob)));
    }
}
