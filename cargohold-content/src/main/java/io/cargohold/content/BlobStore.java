package io.cargohold.content;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A content-addressable store of blobs with an index, blob data and key/value records. Safe for many
 * threads (share one instance) and many processes on one machine. Close it when done.
 */
public interface BlobStore extends BlobProvider, BlobIngester, IngestManager, BlobManager, KeyValueStore, AutoCloseable {
    Path root();

    StoreStats stats() throws IOException;

    /**
     * Checks that the files and the index agree and that blobs match their digests; with
     * {@link FsckOptions#repair()} also fixes what is safe. Waits for in-flight writes of all processes
     * to finish and holds them off while it runs.
     */
    FsckReport fsck(FsckOptions options) throws IOException;

    /**
     * Removes every blob not reachable from a key/value record that references a blob, following the
     * references {@code scanner} reports. Holds the store's exclusive lock throughout, so no write,
     * removal or key/value change of any process interleaves: a blob whose put has returned is
     * either referenced (e.g. pinned by a lease, {@link PutOptions#withPin}) or fair game.
     */
    io.cargohold.content.gc.GcReport collectGarbage(io.cargohold.content.gc.GcOptions options,
                                                   io.cargohold.content.gc.ReferenceScanner scanner) throws IOException;

    /**
     * Rewrites the OCI layout's {@code index.json} atomically with what {@code content} returns,
     * serialised with every other writer of it in any process; {@code content} is called under that
     * lock, so computing it from the current state gives last-writer-wins on a complete state.
     */
    void replaceLayoutIndex(ContentSupplier content) throws IOException;

    /**
     * Works on the OCI layout's {@code index.json} under the same lock as {@link #replaceLayoutIndex}:
     * {@code work} gets its current bytes (null when it is absent) and a writer that replaces it
     * atomically, and may write records and put blobs meanwhile (the lock comes before the store's
     * other locks in their order), so a change of references and the index.json that lists them are
     * one step for every other writer of either.
     */
    <T> T withLayoutIndex(LayoutIndexWork<T> work) throws IOException;

    /** Work on index.json under its lock. */
    @FunctionalInterface
    interface LayoutIndexWork<T> {
        T run(byte[] current, LayoutIndexWriter writer) throws IOException;
    }

    /** Replaces index.json atomically. */
    @FunctionalInterface
    interface LayoutIndexWriter {
        void write(byte[] content) throws IOException;
    }

    /** Bytes computed under a lock. */
    @FunctionalInterface
    interface ContentSupplier {
        byte[] get() throws IOException;
    }

    @Override
    void close() throws IOException;
}
