package io.cargohold.content.internal;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.PutResult;
import io.cargohold.content.WriterOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import java.io.IOException;
import java.time.Instant;

/**
 * The writer returned when the expected blob is stored already: nothing to write (its offset is the
 * blob's size), and its commit only checks the expectations and adds the media type and pin to the
 * existing row, reporting {@link PutResult.Status#ALREADY_PRESENT}. It holds no lock.
 */
final class PresentBlobWriter extends BlobWriter {
    private final LocalIngests ingests;
    private final String ref;
    private final BlobInfo blob;
    private final WriterOptions opts;
    private final Instant openedAt;
    private boolean closed;

    PresentBlobWriter(LocalIngests ingests, String ref, BlobInfo blob, WriterOptions opts, Instant openedAt) {
        this.ingests = ingests;
        this.ref = ref;
        this.blob = blob;
        this.opts = opts;
        this.openedAt = openedAt;
    }

    @Override
    public String ref() {
        return ref;
    }

    @Override
    public long offset() {
        return blob.size();
    }

    @Override
    public Digest digest() {
        return blob.digest();
    }

    @Override
    public boolean alreadyPresent() {
        return true;
    }

    @Override
    public IngestStatus status() {
        return new IngestStatus(ref, blob.size(), blob.size(), openedAt, openedAt);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IllegalStateException("the writer of ref " + ref + " is closed");
        }
        if (len > 0) {
            throw new CorruptException("size mismatch: more than the expected " + blob.size()
                    + " bytes of content (blob " + blob.digest() + " is stored already)");
        }
    }

    @Override
    public PutResult commit(long size, Digest expected) throws IOException {
        if (closed) {
            throw new IllegalStateException("the writer of ref " + ref + " is closed");
        }
        closed = true;
        for (long s : new long[] {size, opts.expectedSize()}) {
            if (s >= 0 && s != blob.size()) {
                throw new CorruptException("size mismatch: expected " + s + " bytes, the stored blob " + blob.digest()
                        + " has " + blob.size());
            }
        }
        if (expected != null && !expected.equals(blob.digest())) {
            Digest other = expected.algorithm() == blob.digest().algorithm() ? blob.digest()
                    : ingests.hashBlob(blob.digest(), expected.algorithm());
            if (!other.equals(expected)) {
                throw new CorruptException("digest mismatch: expected " + expected + ", content (" + blob.size()
                        + " bytes) is " + other);
            }
        }
        return ingests.commitPresent(blob, opts.mediaType(), opts.pin());
    }

    @Override
    public void close() {
        closed = true;
    }
}
