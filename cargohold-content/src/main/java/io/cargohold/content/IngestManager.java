package io.cargohold.content;

import java.io.IOException;
import java.util.List;

/**
 * Lists and removes ingests: writes opened by {@link BlobIngester#writer} that have not committed
 * yet. An ingest is invisible to {@link BlobProvider} and {@link BlobManager}, is not a blob (garbage
 * collection ignores it) and survives a crash or a closed writer until it is committed, aborted, or
 * older than {@link StoreOptions#ingestExpiry()} when a store is opened.
 */
public interface IngestManager {
    /**
     * The state of an ingest, read without waiting for its writer.
     *
     * @throws io.cargohold.errors.NotFoundException when there is no ingest with this ref
     */
    IngestStatus status(String ref) throws IOException;

    /** Every ingest of the store, by ref. */
    List<IngestStatus> ingests() throws IOException;

    /**
     * Removes an ingest and what it had written. Waits (up to the store's lock timeout) while a
     * writer of any thread or process holds the ref.
     *
     * @throws io.cargohold.errors.NotFoundException    when there is no ingest with this ref
     * @throws io.cargohold.errors.UnavailableException when the lock timeout expired
     */
    void abort(String ref) throws IOException;
}
