package io.cargohold.content.gc;

import io.cargohold.content.BlobInfo;
import java.io.IOException;
import java.io.InputStream;

/**
 * Tells garbage collection which blobs a blob refers to. The content store knows nothing of formats;
 * the OCI layer supplies a scanner that reads manifests and indexes.
 */
@FunctionalInterface
public interface ReferenceScanner {
    /**
     * @param blob    the blob's index entry (digest, size, media type when known)
     * @param content opens the blob's bytes; call it only when needed (layers need not be read)
     */
    References scan(BlobInfo blob, ContentOpener content) throws IOException;

    /** Opens a blob's content lazily. */
    @FunctionalInterface
    interface ContentOpener {
        InputStream open() throws IOException;
    }
}
