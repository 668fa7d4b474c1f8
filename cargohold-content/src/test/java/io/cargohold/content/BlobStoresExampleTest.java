package io.cargohold.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.digest.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example in {@link BlobStores}'s Javadoc (the region between the markers), run as a test. */
class BlobStoresExampleTest {
    @Test
    void putAndReadBack(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("store");
        // @start region="example"
        try (BlobStore store = BlobStores.open(root)) { // created on first use; an OCI image layout inside
            byte[] hello = "hello\n".getBytes(StandardCharsets.UTF_8);
            PutResult put = store.put(new ByteArrayInputStream(hello), PutOptions.defaults().withMediaType("text/plain"));
            Digest digest = put.info().digest(); // sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
            try (InputStream in = store.open(digest, BlobProvider.Verify.CONTENT)) { // size and digest checked as it is read
                System.out.println(digest + ": " + new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
            }
            System.out.println(store.info(digest).mediaType() + ", " + store.info(digest).size() + " bytes"); // text/plain, 6 bytes
        }
        // @end
        try (BlobStore store = BlobStores.open(root)) {
            Digest d = Digest.parse("sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
            assertEquals("text/plain", store.info(d).mediaType());
            try (InputStream in = store.open(d, BlobProvider.Verify.CONTENT)) {
                assertArrayEquals("hello\n".getBytes(StandardCharsets.UTF_8), in.readAllBytes());
            }
        }
    }
}
