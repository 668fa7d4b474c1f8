package io.cargohold.content;

import java.nio.file.Path;

/**
 * What {@link BlobStores#rebuildIndex} did.
 *
 * @param movedTo        where the damaged database was moved, or null when there was none
 * @param blobs          blob files verified and indexed
 * @param records        key/value records restored from the damaged database (references, leases, any other)
 * @param recordsLost    records read from it that could not be restored (their blob is gone)
 * @param blobData       blob data records restored from it
 * @param mediaTypes     blobs whose media type was restored from it
 * @param salvageProblem why the damaged database could not be read (in full), or null
 */
public record RebuildReport(Path movedTo, int blobs, int records, int recordsLost, int blobData, int mediaTypes,
                           String salvageProblem) {
}
