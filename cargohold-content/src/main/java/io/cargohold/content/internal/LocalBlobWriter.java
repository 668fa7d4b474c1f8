package io.cargohold.content.internal;

import io.cargohold.content.BlobWriter;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.PutResult;
import io.cargohold.content.WriterOptions;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.CorruptException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.time.Instant;

/**
 * A writer of one ingest ({@code ingest/<hash of ref>/data}), holding the ref's lock until commit or
 * close. Content is hashed as it is accepted and written through a small buffer; what reached the
 * file survives a crash of this process, and a later writer re-hashes and continues it.
 */
final class LocalBlobWriter extends BlobWriter {
    private static final int BUFFER = 1 << 16;

    private final LocalIngests ingests;
    private final String ref;
    private final BlobDirectory.Ingest in;
    private final WriterOptions opts;
    private final IngestLock lock;
    private final FileChannel ch;
    private final MessageDigest md;
    private final long total;
    private final Instant startedAt;
    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    private long offset;
    private Instant updatedAt;
    private boolean closed;
    /** Set when a write to the file failed: the hash and the file may disagree, so only close is allowed. */
    private IOException failed;

    LocalBlobWriter(LocalIngests ingests, String ref, BlobDirectory.Ingest in, WriterOptions opts, IngestLock lock,
                    FileChannel ch, MessageDigest md, long offset, long total, Instant startedAt, Instant updatedAt) {
        this.ingests = ingests;
        this.ref = ref;
        this.in = in;
        this.opts = opts;
        this.lock = lock;
        this.ch = ch;
        this.md = md;
        this.offset = offset;
        this.total = total;
        this.startedAt = startedAt;
        this.updatedAt = updatedAt;
    }

    @Override
    public String ref() {
        return ref;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public Digest digest() {
        try {
            return Digest.of(opts.algorithm(), ((MessageDigest) md.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's " + md.getAlgorithm() + " cannot be cloned", e);
        }
    }

    @Override
    public boolean alreadyPresent() {
        return false;
    }

    @Override
    public IngestStatus status() {
        return new IngestStatus(ref, offset, total, startedAt, updatedAt);
    }

    private void ensureUsable() throws IOException {
        if (closed) {
            throw new IllegalStateException("the writer of ref " + ref + " is closed");
        }
        if (failed != null) {
            throw new IOException("the writer of ref " + ref + " failed to write (close it and resume): " + failed.getMessage(), failed);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        ensureUsable();
        if (len == 0) {
            return;
        }
        if (total >= 0 && offset + len > total) {
            throw new CorruptException("size mismatch: more than the expected " + total + " bytes of content");
        }
        md.update(b, off, len);
        try {
            if (len >= BUFFER) {
                flushBuffer();
                writeFully(ByteBuffer.wrap(b, off, len));
            } else {
                if (buf.remaining() < len) {
                    flushBuffer();
                }
                buf.put(b, off, len);
            }
        } catch (IOException e) {
            failed = e;
            throw e;
        }
        offset += len;
        updatedAt = ingests.now();
    }

    private void flushBuffer() throws IOException {
        if (buf.position() > 0) {
            buf.flip();
            writeFully(buf);
            buf.clear();
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void flush() throws IOException {
        ensureUsable();
        try {
            flushBuffer();
        } catch (IOException e) {
            failed = e;
            throw e;
        }
    }

    @Override
    public PutResult commit(long size, Digest expected) throws IOException {
        ensureUsable();
        closed = true;
        try {
            flushBuffer();
            if (ingests.fsync()) {
                ch.force(true);
            }
            ch.close();
            String mismatch = null;
            if (size >= 0 && size != offset) {
                mismatch = "size mismatch: expected " + size + " bytes, got " + offset + " (truncated input?)";
            } else if (total >= 0 && total != offset) {
                mismatch = "size mismatch: expected " + total + " bytes, got " + offset + " (truncated input?)";
            }
            Digest actual = Digest.of(opts.algorithm(), md.digest());
            Digest committed = actual;
            for (Digest e : new Digest[] {expected, opts.expectedDigest()}) {
                if (mismatch != null || e == null) {
                    continue;
                }
                // An expected digest of another algorithm than the one hashed with: hash the file again.
                Digest a = e.algorithm() == opts.algorithm() ? actual : LocalBlobStore.hash(in.data(), e.algorithm());
                if (!a.equals(e)) {
                    mismatch = "digest mismatch: expected " + e + ", content (" + offset + " bytes) is " + a;
                } else {
                    committed = e;
                }
            }
            if (mismatch != null) {
                ingests.remove(in, false);
                throw new CorruptException(mismatch);
            }
            return ingests.commit(in, committed, offset, opts.mediaType(), opts.pin());
        } finally {
            if (ch.isOpen()) {
                ch.close();
            }
            lock.close();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (failed == null) {
                flushBuffer();
                if (ingests.fsync()) {
                    ch.force(true);
                }
            }
            ch.close();
            ingests.closed(in, updatedAt);
        } finally {
            if (ch.isOpen()) {
                ch.close();
            }
            lock.close();
        }
    }

    /** The algorithm content is hashed with. */
    DigestAlgorithm algorithm() {
        return opts.algorithm();
    }
}
