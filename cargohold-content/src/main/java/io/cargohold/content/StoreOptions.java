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
 *                       (default true); {@code fsck} opens without it so that it can report them
 */
public record StoreOptions(boolean fsync, Duration lockTimeout, Clock clock, boolean cleanTempFiles) {
    public StoreOptions(boolean fsync, Duration lockTimeout, Clock clock) {
        this(fsync, lockTimeout, clock, true);
    }

    public static StoreOptions defaults() {
        return new StoreOptions(true, null, Clock.systemUTC(), true);
    }

    public StoreOptions withFsync(boolean f) {
        return new StoreOptions(f, lockTimeout, clock, cleanTempFiles);
    }

    public StoreOptions withLockTimeout(Duration t) {
        return new StoreOptions(fsync, t, clock, cleanTempFiles);
    }

    public StoreOptions withClock(Clock c) {
        return new StoreOptions(fsync, lockTimeout, c, cleanTempFiles);
    }

    public StoreOptions withCleanTempFiles(boolean c) {
        return new StoreOptions(fsync, lockTimeout, clock, c);
    }
}
