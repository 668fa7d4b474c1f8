package io.cargohold.content;

import java.io.IOException;
import java.io.InputStream;

/**
 * Writes blobs, in one call ({@link #put}) or through a resumable {@link BlobWriter} ({@link #writer}).
 * With {@code put}, the content is streamed to a temp file inside the store while it is hashed, forced to
 * disk, checked against the expected digest and size, renamed into {@code blobs/<alg>/<hex>}, and
 * only then indexed. Until put returns the blob is invisible; on any failure nothing is left behind.
 * Writing a blob that is present already still reads and verifies the input, then reports
 * {@link PutResult.Status#ALREADY_PRESENT}.
 */
public interface BlobIngester {
    /**
     * @throws io.cargohold.errors.CorruptException when the content does not match the expected digest
     *                                              or size (nothing is stored)
     */
    PutResult put(InputStream content, PutOptions options) throws IOException;

    /**
     * Opens a resumable writer under {@code ref} (containerd's {@code Ingester.Writer}): any name the
     * caller chooses for this write, the same on every attempt (e.g. {@code "layer-" + digest}). Waits
     * while another writer of any thread or process holds the ref (at most the options' lock timeout),
     * then resumes what an earlier writer of the ref left: the new writer's {@link BlobWriter#offset()}
     * is where the content must continue. When the options' expected digest is stored already (e.g.
     * committed by the writer this one waited for), returns a writer with nothing to write whose commit
     * reports {@link PutResult.Status#ALREADY_PRESENT}. An ingest whose recorded ref, total or length
     * contradicts the options is discarded and the write starts at 0.
     *
     * @throws io.cargohold.errors.UnavailableException     when the lock timeout expired (the message
     *                                                     names the holder and since when it has held it)
     * @throws io.cargohold.errors.InvalidArgumentException for an empty ref, a bad media type or pin
     */
    BlobWriter writer(String ref, WriterOptions options) throws IOException;
}
