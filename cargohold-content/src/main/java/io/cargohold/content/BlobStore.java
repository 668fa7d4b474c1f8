package io.cargohold.content;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A content-addressable store of blobs with an index, blob data and key/value records. Safe for many
 * threads (share one instance) and many processes on one machine. Close it when done.
 */
public interface BlobStore extends BlobProvider, BlobIngester, BlobManager, KeyValueStore, AutoCloseable {
    Path root();

    StoreStats stats() throws IOException;

    /**
     * Checks that the files and the index agree and that blobs match their digests; with
     * {@link FsckOptions#repair()} also fixes what is safe. Waits for in-flight writes of all processes
     * to finish and holds them off while it runs.
     */
    FsckReport fsck(FsckOptions options) throws IOException;

    @Override
    void close() throws IOException;
}
