package io.cargohold.content;

import java.time.Clock;
import java.time.Duration;

/**
 * How a store is opened.
 *
 * @param fsync          force blobs, the database and directories to disk before reporting success
 *                       (default true; turning it off is only for throw-away stores and benchmarks)
 * @param lockTimeout    how long to wait for another process's lock before failing with
 *                       {@code UnavailableException}; null waits for ever
 * @param clock          the source of "added at" and "updated at" times
 * @param cleanTempFiles remove leftover ingest temp files on open when no write is in flight anywhere
 *                       (default true), and ingests not written to for {@code ingestExpiry} that no
 *                       writer holds; {@code fsck} opens without it so that it can report them
 * @param ingestExpiry   how long an ingest nobody writes to is kept for a resume (default 24 hours);
 *                       null keeps them until they are committed or aborted
 * @param freshBlobGrace how long a blob put without a pin of its own is kept from garbage collection
 *                       by a fresh-blob lease ({@link io.cargohold.content.gc.Leases}; default 1 hour,
 *                       renewed by every put of it); zero puts no such lease
 */
public record StoreOptions(boolean fsync, Duration lockTimeout, Clock clock, boolean cleanTempFiles,
                           Duration ingestExpiry, Duration freshBlobGrace) {
    public static final Duration DEFAULT_INGEST_EXPIRY = Duration.ofHours(24);
    public static final Duration DEFAULT_FRESH_BLOB_GRACE = Duration.ofHours(1);

    public StoreOptions {
        if (ingestExpiry != null && ingestExpiry.isNegative()) {
            throw new IllegalArgumentException("ingest expiry must not be negative");
        }
        if (freshBlobGrace == null || freshBlobGrace.isNegative()) {
            throw new IllegalArgumentException("the fresh-blob grace period must be zero or more");
        }
        if (lockTimeout != null && lockTimeout.isNegative()) {
            throw new IllegalArgumentException("the lock timeout must not be negative");
        }
    }

    public StoreOptions(boolean fsync, Duration lockTimeout, Clock clock, boolean cleanTempFiles, Duration ingestExpiry) {
        this(fsync, lockTimeout, clock, cleanTempFiles, ingestExpiry, DEFAULT_FRESH_BLOB_GRACE);
    }

    public StoreOptions(boolean fsync, Duration lockTimeout, Clock clock, boolean cleanTempFiles) {
        this(fsync, lockTimeout, clock, cleanTempFiles, DEFAULT_INGEST_EXPIRY);
    }

    public StoreOptions(boolean fsync, Duration lockTimeout, Clock clock) {
        this(fsync, lockTimeout, clock, true);
    }

    public static StoreOptions defaults() {
        return new StoreOptions(true, null, Clock.systemUTC(), true, DEFAULT_INGEST_EXPIRY, DEFAULT_FRESH_BLOB_GRACE);
    }

    public StoreOptions withFsync(boolean f) {
        return new StoreOptions(f, lockTimeout, clock, cleanTempFiles, ingestExpiry, freshBlobGrace);
    }

    public StoreOptions withLockTimeout(Duration t) {
        return new StoreOptions(fsync, t, clock, cleanTempFiles, ingestExpiry, freshBlobGrace);
    }

    public StoreOptions withClock(Clock c) {
        return new StoreOptions(fsync, lockTimeout, c, cleanTempFiles, ingestExpiry, freshBlobGrace);
    }

    public StoreOptions withCleanTempFiles(boolean c) {
        return new StoreOptions(fsync, lockTimeout, clock, c, ingestExpiry, freshBlobGrace);
    }

    public StoreOptions withIngestExpiry(Duration e) {
        return new StoreOptions(fsync, lockTimeout, clock, cleanTempFiles, e, freshBlobGrace);
    }

    public StoreOptions withFreshBlobGrace(Duration g) {
        return new StoreOptions(fsync, lockTimeout, clock, cleanTempFiles, ingestExpiry, g);
    }
}
