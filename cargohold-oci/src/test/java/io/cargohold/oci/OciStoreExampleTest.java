package io.cargohold.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.StoreOptions;
import io.cargohold.digest.Digest;
import io.cargohold.oci.refs.Reference;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example in {@link OciStore}'s Javadoc (the region between the markers), run as a test. */
class OciStoreExampleTest {
    private static Descriptor put(ImportSession s, String mediaType, byte[] bytes) throws IOException {
        Descriptor d = Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length);
        s.put(new ByteArrayInputStream(bytes), d);
        return d;
    }

    @Test
    void importInspectCheckGc(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("store");
        byte[] layer = "not really a tar, but a blob all the same".getBytes(StandardCharsets.UTF_8);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        // @start region="example"
        try (OciStore store = OciStore.open(root, StoreOptions.defaults())) {
            ImageRef stored;
            try (ImportSession s = store.beginImport()) { // atomic: nothing is visible before commit
                Descriptor l = put(s, MediaTypes.OCI_LAYER, layer);
                Descriptor c = put(s, MediaTypes.OCI_CONFIG, config);
                String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                        + "{\"mediaType\":\"" + c.mediaType() + "\",\"digest\":\"" + c.digest() + "\",\"size\":" + c.size() + "},"
                        + "\"layers\":[{\"mediaType\":\"" + l.mediaType() + "\",\"digest\":\"" + l.digest() + "\",\"size\":" + l.size() + "}]}";
                Descriptor m = put(s, MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
                stored = s.commit(Reference.parse("example/app:1"), m);
            }
            Inspection in = store.inspect(stored.reference()); // the manifest, config, platform
            CheckReport check = store.check(stored.reference()); // every blob present and intact?
            System.out.println(stored.reference() + " " + in.configPlatform() + " " + store.imageSize(stored.descriptor()) + " bytes, "
                    + (check.complete() ? "complete" : check.problems()));
            store.gc(false); // blobs no reference reaches go; these stay
        }
        // @end
        try (OciStore store = OciStore.open(root, StoreOptions.defaults())) {
            ImageRef r = store.get(Reference.parse("example/app:1"));
            assertTrue(store.check(r.reference()).complete());
            assertEquals(layer.length + config.length, store.imageSize(r.descriptor()));
            assertEquals("linux/amd64", store.inspect(r.reference()).configPlatform().toString());
        }
    }
}
