package io.cargohold.content;

import io.cargohold.digest.Digest;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A resumable write of one blob under a ref (containerd's {@code content.Writer}), opened by
 * {@link BlobIngester#writer}. It holds the ref exclusively (across threads and processes) until
 * {@link #commit} or {@link #close}.
 *
 * <p>Lifecycle: what is written goes to the ingest {@code ingest/<hash of ref>/data}, invisible to
 * readers. {@link #commit} checks size and digest and makes the blob visible, or removes the ingest on
 * a mismatch; it always closes the writer. {@link #close} without a commit keeps the ingest: a later
 * {@code writer(ref, …)}, in this process or another, even after a crash, resumes at its
 * {@link #offset()}. The caller must continue the content from there (e.g. a ranged request from
 * {@code offset()}), not from the start.
 *
 * <pre>{@code
 * try (BlobWriter w = store.writer("layer-" + digest, WriterOptions.expecting(digest, size))) {
 *     if (w.offset() < size) {
 *         try (InputStream in = source.open(digest, w.offset())) { in.transferTo(w); }
 *     }
 *     PutResult r = w.commit(size, digest);   // INSERTED, or ALREADY_PRESENT (nothing was rewritten)
 * }
 * }</pre>
 *
 * <p>Not for concurrent use by several threads; it may be handed from one thread to another.
 */
public abstract class BlobWriter extends OutputStream {
    protected BlobWriter() {
    }

    /** The ref this writer holds. */
    public abstract String ref();

    /**
     * Bytes of content so far: what an earlier writer of the ref left (a resume) plus what this one
     * wrote. For a writer of a blob that is {@linkplain #alreadyPresent() present} already, its size.
     */
    public abstract long offset();

    /** The digest of the content so far. */
    public abstract Digest digest();

    /**
     * True when the expected digest was stored already when this writer was opened (another process
     * or thread committed it, maybe while this one waited for the ref): there is nothing to write and
     * {@link #commit} reports {@link PutResult.Status#ALREADY_PRESENT} without rewriting the blob.
     */
    public abstract boolean alreadyPresent();

    /** This writer's view of its ingest. */
    public abstract IngestStatus status();

    /**
     * Finishes the write: checks the content against {@code size} and {@code expected} (and those of
     * the writer's options), forces it to disk, moves it to {@code blobs/<alg>/<hex>} and indexes it
     * (with the options' media type and pin, in one transaction), then removes the ingest. Always
     * closes the writer, whatever the outcome.
     *
     * @param size     the expected size, or -1 to accept what was written
     * @param expected the expected digest, or null to accept what was written
     * @return {@link PutResult.Status#INSERTED}, or {@link PutResult.Status#ALREADY_PRESENT} when the
     *         blob was stored already (by another ref or put); the ingest is removed either way
     * @throws io.cargohold.errors.CorruptException            on a size or digest mismatch; the ingest is
     *                                                        removed, nothing is stored
     * @throws io.cargohold.errors.FailedPreconditionException when this writer found the blob present
     *                                                        but it has been removed since
     * @throws IllegalStateException                           when the writer is closed already
     */
    public abstract PutResult commit(long size, Digest expected) throws IOException;

    /**
     * Appends content.
     *
     * @throws io.cargohold.errors.CorruptException when the content would exceed the expected size
     *                                              (nothing of {@code b} is written; the ingest keeps
     *                                              what it had)
     */
    @Override
    public abstract void write(byte[] b, int off, int len) throws IOException;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /**
     * Forces what was written to disk and releases the ref, keeping the ingest for a later resume.
     * Does nothing after {@link #commit}, or when called again.
     */
    @Override
    public abstract void close() throws IOException;
}
