package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example in {@link ImageCopier}'s Javadoc (the region between the markers), run as a test. */
class ImageCopierExampleTest {
    @Test
    void sampleToLayoutToContainersStorage(@TempDir Path dir) throws IOException {
        Path layout = dir.resolve("layout");
        Path graphRoot = dir.resolve("graph");
        Path runRoot = dir.resolve("run");
        Path contentStore = dir.resolve("cargohold");
        // @start region="example"
        Transports transports = Transports.standard(); // oci:, oci-archive:, docker-archive:, containers-storage:, cargohold:, sample:, docker://
        CopyContext context = CopyContext.of(contentStore, StoreOptions.vfs(graphRoot, runRoot)); // what cargohold: and a bare containers-storage: mean
        CopyResult toLayout = ImageCopier.copy(transports.parse("sample:hello"), transports.parse("oci:" + layout + ":hello"), context,
                CopyOptions.defaults());
        CopyResult toStorage = ImageCopier.copy(transports.parse("oci:" + layout + ":hello"),
                transports.parse("containers-storage:example/hello:latest"), context, CopyOptions.defaults());
        System.out.println(toStorage.destination() + " " + toStorage.manifestDigest() + ", " + toStorage.blobsCopied() + " blobs copied");
        // @end
        assertEquals(toLayout.manifestDigest(), toStorage.manifestDigest());
        try (Store store = Store.open(StoreOptions.vfs(graphRoot, runRoot))) {
            assertEquals(1, store.imagesByDigest(toStorage.manifestDigest().toString()).size());
        }
    }
}
