package io.cargohold.content;

import io.cargohold.content.internal.LocalBlobStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The entry point of the content store: opens a {@link BlobStore} (a content-addressable store of
 * blobs whose root is an OCI image layout, indexed in SQLite, safe for many threads and processes).
 *
 * <p>Put a blob and read it back, verified (this runs as {@code BlobStoresExampleTest}):
 * {@snippet class=io.cargohold.content.BlobStoresExampleTest region=example}
 *
 * <p>Large or resumable writes go through {@link BlobIngester#writer} (an ingest that a killed process
 * continues), listing and labels through {@link BlobManager}, references and other records through the
 * store's key/value records.
 */
public final class BlobStores {
    private BlobStores() {
    }

    /**
     * Opens (creating when absent) the store at {@code root}: an OCI image layout plus the index
     * database {@code cargohold.db}. Migrates an older index schema forward.
     *
     * @throws io.cargohold.errors.CorruptException when the index database is damaged (the blobs are
     *                                              untouched; {@link #rebuildIndex} recovers)
     */
    public static BlobStore open(Path root, StoreOptions options) throws IOException {
        return LocalBlobStore.open(root, options);
    }

    /** {@link #open(Path, StoreOptions)} with the default options. */
    public static BlobStore open(Path root) throws IOException {
        return open(root, StoreOptions.defaults());
    }

    /**
     * Recovery for a damaged index: moves the database aside (it is kept, renamed with a
     * {@code .corrupt-<time>} suffix), creates a fresh one and indexes every valid blob file, then
     * restores from the moved database whatever of it can still be read: key/value records (whose
     * blob, if any, is there), blob data and media types. References the OCI layer keeps also in
     * index.json are restored from there by that layer. Run it while no other process uses the store.
     */
    public static RebuildReport rebuildIndex(Path root, StoreOptions options) throws IOException {
        return LocalBlobStore.rebuildIndex(root, options);
    }
}
