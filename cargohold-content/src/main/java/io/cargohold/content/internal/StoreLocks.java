package io.cargohold.content.internal;

import io.cargohold.digest.Digest;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The store's locks, all byte ranges of {@code cargohold.lock}, always taken in this order:
 * <ol>
 *   <li>an ingest ref's byte, {@value #INGEST_REFS} + the first 40 bits of the SHA-256 of the ref
 *       (the name of its ingest directory): exclusive for the whole life of a writer of that ref (so
 *       one writer per ref in all threads and processes), and while an ingest is aborted or expired.
 *       A writer takes the store lock only for its short steps (creating and removing the ingest
 *       directory, commit), so an ingest left open does not hold off fsck or garbage collection.
 *       Maintenance that holds the store lock exclusively only ever <em>tries</em> a ref's lock
 *       (without waiting), so the reversed order cannot deadlock;</li>
 *   <li>byte 0, the store lock: shared by every write and removal (for their whole duration),
 *       exclusive for maintenance (fsck, initialisation, schema migration, index rebuild), which
 *       therefore sees no write in flight in any process; key/value writes take it shared too, so
 *       garbage collection (exclusive) sees a stable set of roots;</li>
 *   <li>bytes 1..{@value #STRIPES}, digest stripes: exclusive while a blob's file and index row change
 *       together (commit: rename + insert; removal: delete row + unlink), so a commit and a removal of
 *       the same digest never interleave, while different digests proceed in parallel.</li>
 *   <li>byte {@value #LAYOUT_INDEX}: exclusive while {@code index.json} is read and rewritten together
 *       with the reference records it lists (the OCI layer's {@code withLayoutIndex}); it comes after
 *       the ingest refs (never taken while a writer is open in the same thread) and before the store
 *       lock, which the work under it may take shared (key/value writes, puts).</li>
 * </ol>
 * Reads take no lock: a blob file appears by rename and the index is SQLite in WAL mode.
 */
final class StoreLocks {
    static final int STRIPES = 1024;
    /** Byte of the lock serialising rewrites of the layout's {@code index.json}. */
    static final long LAYOUT_INDEX = 4096;
    /** First byte of the ingest refs' locks (2^40 bytes from here, far above the other locks). */
    static final long INGEST_REFS = 1L << 20;

    private final Path path;
    private final Duration timeout;
    /** Why the store cannot be written (read-only file system, no permission), or null. */
    private final String readOnly;
    private volatile PosixLockFile opened;

    StoreLocks(PosixLockFile file, Duration timeout) {
        this.path = file.path();
        this.opened = file;
        this.timeout = timeout;
        this.readOnly = null;
    }

    /**
     * The locks of {@code lockFile}, opened (for writing, as fcntl write locks need) only when a lock
     * is first taken: reads take none, so a read-only store never opens it. With {@code readOnly} set,
     * taking any lock fails with that reason instead.
     */
    StoreLocks(Path lockFile, Duration timeout, String readOnly) {
        this.path = lockFile;
        this.timeout = timeout;
        this.readOnly = readOnly;
    }

    /** Why this store cannot be written, or null when it can. */
    String readOnly() {
        return readOnly;
    }

    private PosixLockFile file() throws IOException {
        PosixLockFile f = opened;
        if (f != null) {
            return f;
        }
        if (readOnly != null) {
            throw readOnlyError(path.getParent(), readOnly);
        }
        synchronized (this) {
            if (opened == null) {
                try {
                    opened = PosixLockFile.of(path);
                } catch (java.nio.file.AccessDeniedException e) {
                    throw readOnlyError(path.getParent(), "permission denied on " + path);
                } catch (IOException e) {
                    String m = String.valueOf(e.getMessage());
                    if (m.contains("errno 30") || m.contains("Read-only file system")) {
                        throw readOnlyError(path.getParent(), "read-only file system");
                    }
                    if (m.contains("errno 13") || m.contains("Permission denied")) {
                        throw readOnlyError(path.getParent(), "permission denied on " + path);
                    }
                    throw e;
                }
            }
            return opened;
        }
    }

    static IOException readOnlyError(Path root, String why) {
        if (IndexDatabase.NO_SPACE.equals(why)) {
            return new IOException("cannot write to the store at " + root + ": no space left on device; free space "
                    + "('cargohold gc' can run on a full disk and removes unreferenced blobs) or use a store on another file system");
        }
        return new io.cargohold.errors.FailedPreconditionException("the store at " + root + " cannot be written (" + why
                + "): it can be listed, inspected, checked and exported from; to change it, remount it read-write "
                + "or run as a user who may write it");
    }

    PosixLockFile.Held store(LockMode mode) throws IOException {
        return timeout == null ? file().lock(0, 1, mode) : file().lock(0, 1, mode, timeout);
    }

    PosixLockFile.Held tryStoreExclusive() throws IOException {
        try {
            return file().lock(0, 1, LockMode.EXCLUSIVE, Duration.ZERO);
        } catch (io.cargohold.errors.UnavailableException busy) {
            return null;
        }
    }

    PosixLockFile.Held layoutIndex() throws IOException {
        return timeout == null ? file().lock(LAYOUT_INDEX, 1, LockMode.EXCLUSIVE) : file().lock(LAYOUT_INDEX, 1, LockMode.EXCLUSIVE, timeout);
    }

    /**
     * The lock of an ingest ref (by the SHA-256 hex of the ref), releasable from any thread.
     *
     * @param wait how long to wait; null takes the store's lock timeout
     */
    IngestLock ingest(String refHash, Duration wait) throws IOException {
        return IngestLock.acquire(file(), ingestByte(refHash), wait != null ? wait : timeout);
    }

    /** The lock of an ingest ref when nobody holds it, else null (never waits). */
    IngestLock tryIngest(String refHash) throws IOException {
        if (readOnly != null) {
            return null; // nobody here can hold or take it; a read-only fsck reports the ingest as it is
        }
        try {
            return IngestLock.acquire(file(), ingestByte(refHash), Duration.ZERO);
        } catch (io.cargohold.errors.UnavailableException busy) {
            return null;
        }
    }

    static long ingestByte(String refHash) {
        return INGEST_REFS + Long.parseLong(refHash.substring(0, 10), 16);
    }

    PosixLockFile.Held digest(Digest d) throws IOException {
        long stripe = 1 + Math.floorMod(d.hex().hashCode(), STRIPES);
        return timeout == null ? file().lock(stripe, 1, LockMode.EXCLUSIVE) : file().lock(stripe, 1, LockMode.EXCLUSIVE, timeout);
    }
}
