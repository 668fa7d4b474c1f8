package io.cargohold.content.internal;

import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * The exclusive lock of one ingest ref, a byte of {@code cargohold.lock} (see {@link StoreLocks}),
 * held for a writer's whole life and releasable from any thread.
 *
 * <p>{@link PosixLockFile} serialises the threads of a JVM with a read/write lock per byte range
 * before it takes the process lock, and such a lock must be released by the thread that took it. A
 * {@link io.cargohold.content.BlobWriter} may be opened on one thread and committed on another (a copy
 * engine's pool), so the lock is taken and released by a small daemon thread of its own that waits in
 * between; {@link #close()} returns once the lock is released. A JVM that exits with the lock held
 * releases it with the process, as every fcntl lock.
 */
final class IngestLock implements AutoCloseable {
    private final CompletableFuture<Void> acquired = new CompletableFuture<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Thread holder;
    private boolean closed;

    private IngestLock() {
    }

    /**
     * Takes the lock of byte {@code start}, waiting at most {@code timeout} (null: for ever; zero:
     * not at all).
     *
     * @throws io.cargohold.errors.UnavailableException when the timeout expired
     */
    static IngestLock acquire(PosixLockFile file, long start, Duration timeout) throws IOException {
        IngestLock l = new IngestLock();
        l.holder = Thread.ofPlatform().daemon().name("cargohold-ingest-lock-" + start).start(() -> l.hold(file, start, timeout));
        try {
            l.acquired.get();
            return l;
        } catch (InterruptedException e) {
            l.abandon();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock of an ingest");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new IOException(e.getCause());
            }
        }
    }

    /** Runs on the holder thread: lock, wait for {@link #close()}, unlock. */
    private void hold(PosixLockFile file, long start, Duration timeout) {
        PosixLockFile.Held held;
        try {
            held = timeout == null ? file.lock(start, 1, LockMode.EXCLUSIVE) : file.lock(start, 1, LockMode.EXCLUSIVE, timeout);
        } catch (Throwable t) {
            acquired.completeExceptionally(t);
            return;
        }
        try {
            if (acquired.complete(null)) {
                boolean interrupted = false;
                while (true) {
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true; // only close() releases the lock
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            // else abandoned by an interrupted caller: release at once
        } finally {
            try {
                held.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // fcntl(F_UNLCK) failing means the descriptor is gone
            }
        }
    }

    /**
     * The caller gave up waiting: the holder thread releases the lock as soon as it gets it. It is not
     * interrupted: with the JDK lock backend an interrupt in {@code FileChannel.lock} would close the
     * channel and drop every lock of the process on the file.
     */
    private void abandon() throws InterruptedIOException {
        if (!acquired.completeExceptionally(new CancellationException())) {
            close(); // it was acquired just as the caller gave up
        }
    }

    /** Releases the lock (once); returns when it is released. */
    @Override
    public synchronized void close() throws InterruptedIOException {
        if (closed) {
            return;
        }
        closed = true;
        release.countDown();
        boolean interrupted = false;
        while (true) {
            try {
                holder.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
