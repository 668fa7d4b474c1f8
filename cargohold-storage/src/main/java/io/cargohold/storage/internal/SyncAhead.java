package io.cargohold.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * While a layer's tree is being written (a diff applied, a parent's tree copied), a background thread syncs
 * that file system every {@link #PERIOD_MS} ms, so the kernel writes the tree out while the rest of it is
 * still being made and the {@code syncfs} the layer store makes before the record says complete finds little
 * left to write. Without it nothing is written before that last sync: the kernel's own writeback starts only
 * at 10 % of memory dirty or after 30 s, so a 595 MiB layer applied in ~4 s waited ~0.67 s for its final
 * sync on an otherwise idle disk (bench/README.md section 31). Only a head start: durability still comes
 * from the final sync, and a failed background sync only ends the thread (the final one reports errors).
 * {@code -Dcargohold.storage.syncAheadMs=0} turns it off (to compare); the thread is a daemon and stops at
 * {@link #close} without waiting for a sync under way. One file written in large pieces (a blob) gets range hints
 * instead ({@code io.cargohold.fs.Writeback}); a hint per file of a tree of thousands cost more than it saved
 * (bench/README.md section 26.1), one sync of the whole file system every 250 ms does not.
 */
final class SyncAhead implements AutoCloseable {
    /** The pause between the end of one background sync and the start of the next. */
    static final long PERIOD_MS = Long.getLong("cargohold.storage.syncAheadMs", 250);

    private static final SyncAhead OFF = new SyncAhead();

    private final Thread thread;
    private volatile boolean stopped;

    private SyncAhead() {
        thread = null;
    }

    private SyncAhead(Path dir) {
        thread = Thread.ofPlatform().daemon().name("layer-sync-ahead").unstarted(() -> run(dir));
        thread.start();
    }

    /** Starts syncing the file system of {@code dir} (an existing directory) in the background, unless turned off. */
    static SyncAhead start(Path dir) {
        return PERIOD_MS <= 0 ? OFF : new SyncAhead(dir);
    }

    private void run(Path dir) {
        long period = PERIOD_MS * 1_000_000L;
        while (true) {
            LockSupport.parkNanos(this, period);
            if (stopped) {
                return;
            }
            try {
                PosixFs.syncfs(dir);
            } catch (IOException | RuntimeException e) {
                return; // the caller's own sync reports what is wrong
            }
        }
    }

    /** Stops the background syncs (one under way finishes on its own). */
    @Override
    public void close() {
        if (thread != null) {
            stopped = true;
            LockSupport.unpark(thread);
        }
    }
}
