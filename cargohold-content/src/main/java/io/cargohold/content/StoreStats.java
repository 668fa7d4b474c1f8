package io.cargohold.content;

import java.nio.file.Path;

/** Counts from the index, for status displays. */
public record StoreStats(Path root, int schemaVersion, long blobs, long bytes, long dataRecords, long kvRecords) {
}
