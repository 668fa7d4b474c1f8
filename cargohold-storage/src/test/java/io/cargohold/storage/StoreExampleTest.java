package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example in {@link Store}'s Javadoc (the region between the markers), run as a test. */
class StoreExampleTest {
    /** A layer diff: an uncompressed tar with one file. */
    private static Path tar(Path dir) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            byte[] data = "hello from a layer\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("etc/motd");
            e.setSize(data.length);
            e.setMode(0644);
            t.putArchiveEntry(e);
            t.write(data);
            t.closeArchiveEntry();
        }
        return Files.write(dir.resolve("layer.tar"), b.toByteArray());
    }

    @Test
    void layerImageAndMount(@TempDir Path dir) throws IOException {
        Path graphRoot = dir.resolve("graph");
        Path runRoot = dir.resolve("run");
        Path layerTar = tar(dir);
        // @start region="example"
        try (Store store = Store.open(StoreOptions.vfs(graphRoot, runRoot))) { // podman --root GRAPHROOT --runroot RUNROOT --storage-driver vfs
            Layer layer;
            try (InputStream diff = Files.newInputStream(layerTar)) {
                layer = store.createLayer(LayerOptions.of(null), diff); // a base layer from an uncompressed tar
            }
            Image image = store.createImage(ImageOptions.of(layer.id()).withNames(List.of("localhost/example:latest")));
            Path tree = store.mount(layer.id()); // the layer's files
            System.out.println(image.id() + " " + image.names() + ": " + Files.readString(tree.resolve("etc/motd")).strip());
            store.unmount(layer.id(), false);
        }
        // @end
        try (Store store = Store.open(StoreOptions.vfs(graphRoot, runRoot))) {
            Image image = store.image("localhost/example:latest");
            assertEquals(List.of("localhost/example:latest"), image.names());
            assertEquals(1, store.layers().size());
        }
    }
}
