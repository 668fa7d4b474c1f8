package io.cargohold.content.internal;

import io.cargohold.digest.Digest;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import java.io.IOException;
import java.time.Duration;

/**
 * The store's locks, all byte ranges of {@code cargohold.lock}, always taken in this order:
 * <ol>
 *   <li>byte 0, the store lock: shared by every write and removal (for their whole duration),
 *       exclusive for maintenance (fsck, initialisation, schema migration, index rebuild), which
 *       therefore sees no write in flight in any process; key/value writes take it shared too, so
 *       garbage collection (exclusive) sees a stable set of roots;</li>
 *   <li>bytes 1..{@value #STRIPES}, digest stripes: exclusive while a blob's file and index row change
 *       together (commit: rename + insert; removal: delete row + unlink), so a commit and a removal of
 *       the same digest never interleave, while different digests proceed in parallel.</li>
 *   <li>byte {@value #LAYOUT_INDEX}: exclusive while {@code index.json} is rewritten (independent of
 *       the others, never held together with them).</li>
 * </ol>
 * Reads take no lock: a blob file appears by rename and the index is SQLite in WAL mode.
 */
final class StoreLocks {
    static final int STRIPES = 1024;
    /** Byte of the lock serialising rewrites of the layout's {@code index.json}. */
    static final long LAYOUT_INDEX = 4096;

    private final PosixLockFile file;
    private final Duration timeout;

    StoreLocks(PosixLockFile file, Duration timeout) {
        this.file = file;
        this.timeout = timeout;
    }

    PosixLockFile.Held store(LockMode mode) throws IOException {
        return timeout == null ? file.lock(0, 1, mode) : file.lock(0, 1, mode, timeout);
    }

    PosixLockFile.Held tryStoreExclusive() throws IOException {
        try {
            return file.lock(0, 1, LockMode.EXCLUSIVE, Duration.ZERO);
        } catch (io.cargohold.errors.UnavailableException busy) {
            return null;
        }
    }

    PosixLockFile.Held layoutIndex() throws IOException {
        return timeout == null ? file.lock(LAYOUT_INDEX, 1, LockMode.EXCLUSIVE) : file.lock(LAYOUT_INDEX, 1, LockMode.EXCLUSIVE, timeout);
    }

    PosixLockFile.Held digest(Digest d) throws IOException {
        long stripe = 1 + Math.floorMod(d.hex().hashCode(), STRIPES);
        return timeout == null ? file.lock(stripe, 1, LockMode.EXCLUSIVE) : file.lock(stripe, 1, LockMode.EXCLUSIVE, timeout);
    }
}
