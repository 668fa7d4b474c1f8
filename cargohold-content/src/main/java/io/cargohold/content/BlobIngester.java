package io.cargohold.content;

import java.io.IOException;
import java.io.InputStream;

/**
 * Writes blobs. The content is streamed to a temp file inside the store while it is hashed, forced to
 * disk, checked against the expected digest and size, renamed into {@code blobs/<alg>/<hex>}, and
 * only then indexed. Until this returns the blob is invisible; on any failure nothing is left behind.
 * Writing a blob that is present already still reads and verifies the input, then reports
 * {@link PutResult.Status#ALREADY_PRESENT}.
 */
public interface BlobIngester {
    /**
     * @throws io.cargohold.errors.CorruptException when the content does not match the expected digest
     *                                              or size (nothing is stored)
     */
    PutResult put(InputStream content, PutOptions options) throws IOException;
}
