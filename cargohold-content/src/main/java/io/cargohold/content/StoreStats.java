package io.cargohold.content;

import java.nio.file.Path;

/**
 * Counts from the index, for status displays; {@code ingests} and {@code ingestBytes} count the
 * writes in progress or waiting for a resume ({@link IngestManager#ingests()}).
 */
public record StoreStats(Path root, int schemaVersion, long blobs, long bytes, long dataRecords, long kvRecords,
                         long ingests, long ingestBytes) {
    public StoreStats(Path root, int schemaVersion, long blobs, long bytes, long dataRecords, long kvRecords) {
        this(root, schemaVersion, blobs, bytes, dataRecords, kvRecords, 0, 0);
    }
}
