package io.cargohold.oci;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.WriterOptions;
import io.cargohold.errors.CorruptException;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.digest.Digest;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One atomic import into an {@link OciStore} ({@link OciStore#beginImport()}): every blob it puts or
 * finds present is pinned by the session's lease (a record {@code leases/<lease>/<n>} created in the
 * same transaction that indexes the blob), so a concurrent garbage collection never sweeps it; the
 * references appear only at {@link #commit}. {@link #close} drops the lease; without a commit it also
 * removes the blobs this session added (unless something else references them by then). A lease left
 * by a killed process expires after {@link OciStore#LEASE_TTL}. Safe for several threads.
 */
public final class ImportSession implements AutoCloseable {
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of(ImportSession.class);

    private final OciStore store;
    private final String lease = LeaseOwner.newLeaseId();
    private final String expiry;
    private final List<Digest> inserted = new ArrayList<>();
    private final AtomicInteger pins = new AtomicInteger();
    private boolean committed;
    private boolean closed;

    ImportSession(OciStore store) {
        this.store = store;
        this.expiry = store.clock().instant().plus(OciStore.LEASE_TTL).toString();
    }

    /**
     * Whether the store has the blob with the descriptor's size; when it has, the blob is pinned to
     * this session from now on (nothing needs to move).
     */
    public boolean has(Descriptor d) throws IOException {
        Optional<BlobInfo> info = store.blobs().find(d.digest());
        if (info.isEmpty() || info.get().size() != d.size()) {
            return false;
        }
        try {
            store.blobs().putRecord(OciStore.LEASES, nextPin(), expiry, d.digest());
            return true;
        } catch (NotFoundException goneMeanwhile) {
            return false;
        }
    }

    /** Stores a blob that must match {@code d} (digest and size), pinned by the lease. */
    public PutResult put(InputStream in, Descriptor d) throws IOException {
        return put(in, d.digest(), d.size(), d.mediaType());
    }

    /**
     * Stores a blob pinned by the lease; {@code expected} may be null and {@code size} -1 (then what
     * arrives is hashed and stored as it is).
     */
    public PutResult put(InputStream in, Digest expected, long size, String mediaType) throws IOException {
        PutOptions opts = (expected == null ? PutOptions.defaults() : PutOptions.expecting(expected)).withExpectedSize(size)
                .withPin(new PutOptions.Pin(OciStore.LEASES, nextPin(), expiry));
        if (mediaType != null) {
            opts = opts.withMediaType(mediaType);
        }
        return noted(store.blobs().put(in, opts));
    }

    /**
     * Stores a blob that must match {@code d} through the content store's resumable writer, under the
     * ref {@code d}'s digest: what an interrupted earlier write of the same blob (by any process, even
     * a killed one) left in its ingest is kept, and only the rest is written; {@code in} gives the whole
     * blob from its first byte, and the part the ingest has already is read and dropped (the caller
     * verifies the whole stream). When another writer commits the blob meanwhile, nothing is written.
     * A failure keeps the ingest for the next attempt, except corrupt content, whose ingest is removed.
     */
    public PutResult putResumable(InputStream in, Descriptor d) throws IOException {
        try {
            return writeResumable(in, d);
        } catch (FailedPreconditionException removedMeanwhile) {
            // the writer found the blob present, nothing of {@code in} was read, and it was removed before
            // the commit (a gc or rm between the two): write it after all
            return writeResumable(in, d);
        }
    }

    /** Content of a blob that can be opened from a byte offset (a ranged request to a registry). */
    @FunctionalInterface
    public interface ContentFrom {
        InputStream open(long offset) throws IOException;
    }

    /**
     * As {@link #putResumable(InputStream, Descriptor)}, but the content is opened at the offset the
     * ingest has reached, so a resumed write fetches only the missing part (nothing at all when the blob
     * is present). The writer checks size and digest of the whole blob at commit: a mismatch removes the
     * ingest and stores nothing.
     */
    public PutResult putResumable(ContentFrom content, Descriptor d) throws IOException {
        try {
            return writeFrom(content, d);
        } catch (FailedPreconditionException removedMeanwhile) {
            return writeFrom(content, d);
        }
    }

    private PutResult writeFrom(ContentFrom content, Descriptor d) throws IOException {
        return writeThrough(d, w -> {
            LOG.log(System.Logger.Level.DEBUG, () -> w.alreadyPresent() ? "blob " + d.digest() + ": present, nothing to fetch"
                    : w.offset() > 0 ? "blob " + d.digest() + ": resuming at byte " + w.offset() + " of " + d.size() + " (what its ingest has)"
                    : "blob " + d.digest() + ": writing from byte 0 of " + d.size());
            if (!w.alreadyPresent() && w.offset() < d.size()) {
                try (InputStream in = content.open(w.offset())) {
                    // 1 MiB reads (transferTo's are 16 KiB): a registry stream hands over all it has buffered at once
                    byte[] buf = new byte[1 << 20];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        if (n > 0) {
                            w.write(buf, 0, n);
                        }
                    }
                }
            }
        });
    }

    private PutResult writeResumable(InputStream in, Descriptor d) throws IOException {
        return writeThrough(d, w -> {
            if (w.alreadyPresent()) {
                return;
            }
            long skip = w.offset();
            long dropped = in.transferTo(new java.io.OutputStream() {
                long left = skip;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    int n = (int) Math.min(left, len);
                    left -= n;
                    if (n < len) {
                        w.write(b, off + n, len - n);
                    }
                }
            });
            if (dropped < skip) {
                throw new CorruptException("size mismatch: blob " + d.digest() + " ended after " + dropped
                        + " bytes, before the " + skip + " its ingest already has");
            }
        });
    }

    /** What one of the resumable paths writes into the content store's writer before the commit. */
    @FunctionalInterface
    private interface WriterBody {
        void write(BlobWriter w) throws IOException;
    }

    /**
     * The resumable write both paths share: the writer under the ref {@code d}'s digest, pinned by the
     * lease; {@code body} fills it; the commit checks size and digest; corrupt content removes the
     * ingest (any other failure keeps it for the next attempt).
     */
    private PutResult writeThrough(Descriptor d, WriterBody body) throws IOException {
        WriterOptions opts = WriterOptions.expecting(d.digest(), d.size()).withPin(new PutOptions.Pin(OciStore.LEASES, nextPin(), expiry));
        if (d.mediaType() != null) {
            opts = opts.withMediaType(d.mediaType());
        }
        String ref = d.digest().toString();
        PutResult r;
        try (BlobWriter w = store.blobs().writer(ref, opts)) {
            body.write(w);
            r = w.commit(d.size(), d.digest());
        } catch (CorruptException e) {
            try {
                store.blobs().abort(ref);
            } catch (NotFoundException gone) {
                // commit removed it already
            }
            throw e;
        }
        return noted(r);
    }

    /** Remembers a blob this session inserted (to remove it again without a commit). */
    private PutResult noted(PutResult r) {
        if (r.status() == PutResult.Status.INSERTED) {
            synchronized (this) {
                inserted.add(r.info().digest());
            }
        }
        return r;
    }

    /**
     * Stores (or moves) the reference to {@code top} and rewrites the store's index.json; may be called
     * for several names. An image with a config or layer that is really a manifest or index
     * ({@link io.cargohold.oci.graph.Disguises}) is refused (CorruptException) and nothing is stored.
     */
    public ImageRef commit(Reference ref, Descriptor top) throws IOException {
        // configs and layers that are really manifests or indexes are refused, however they came in
        store.refuseDisguised(top, "reference " + ref);
        store.commitReference(ref, top);
        synchronized (this) {
            committed = true;
        }
        // Leases of imports that were killed (of this image, or any other) will never be committed:
        // release them now rather than at their expiry.
        store.releaseAbandonedLeases(lease);
        return new ImageRef(ref, top);
    }

    /** Adoption of a foreign index.json entry: the reference record only (the caller holds the layout lock and writes index.json). */
    void adopted(Reference ref, Descriptor top) throws IOException {
        store.storeReference(ref, top);
        synchronized (this) {
            committed = true;
        }
    }

    /** The blobs this session added to the store (not those it found there). */
    public synchronized List<Digest> inserted() {
        return List.copyOf(inserted);
    }

    private String nextPin() {
        return lease + "/" + pins.getAndIncrement();
    }

    @Override
    public void close() throws IOException {
        List<Digest> undo;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            undo = committed ? List.of() : List.copyOf(inserted);
        }
        store.blobs().removeRecords(OciStore.LEASES, lease + "/");
        for (Digest d : undo) {
            try {
                store.blobs().delete(d);
            } catch (NotFoundException | FailedPreconditionException inUseOrGone) {
                // another import or reference holds it now: it stays
            }
        }
    }
}
