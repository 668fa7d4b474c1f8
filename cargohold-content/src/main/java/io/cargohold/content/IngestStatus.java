package io.cargohold.content;

import java.time.Instant;

/**
 * The state of one ingest (a resumable write in progress, see {@link BlobIngester#writer}), as
 * containerd's {@code content.Status}.
 *
 * @param ref       the caller's name for the write
 * @param offset    bytes written so far (a resumed writer continues here)
 * @param total     the expected size, or -1 when it was never given
 * @param startedAt when the ingest was created
 * @param updatedAt when it was last written to (or locked by a writer)
 */
public record IngestStatus(String ref, long offset, long total, Instant startedAt, Instant updatedAt) {
}
