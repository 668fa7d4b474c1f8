package io.cargohold.content;

import java.time.Clock;
import java.time.Duration;

/**
 * How a store is opened.
 *
 * @param fsync       force blobs, the database and directories to disk before reporting success
 *                    (default true; turning it off is only for throw-away stores and benchmarks)
 * @param lockTimeout how long to wait for another process's lock before failing with
 *                    {@code UnavailableException}; null waits for ever
 * @param clock       the source of "added at" and "updated at" times
 */
public record StoreOptions(boolean fsync, Duration lockTimeout, Clock clock) {
    public static StoreOptions defaults() {
        return new StoreOptions(true, null, Clock.systemUTC());
    }

    public StoreOptions withFsync(boolean f) {
        return new StoreOptions(f, lockTimeout, clock);
    }

    public StoreOptions withLockTimeout(Duration t) {
        return new StoreOptions(fsync, t, clock);
    }

    public StoreOptions withClock(Clock c) {
        return new StoreOptions(fsync, lockTimeout, c);
    }
}
