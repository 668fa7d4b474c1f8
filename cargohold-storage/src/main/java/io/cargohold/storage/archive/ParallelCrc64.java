package io.cargohold.storage.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * CRC-64 of a stream of chunks, computed on a second thread while the caller goes on reading and
 * writing: the checksum was over half of the CPU time of a diff (bench/README.md section 10). The
 * caller fills {@link #buffer()}, hands it over with {@link #submit(int)} and must not touch it
 * again; a small ring of buffers keeps both threads busy. A short chunk with nothing else in flight
 * (a small file: most files of a layer) is summed on the caller's thread: waking the other thread and
 * waiting for it costs two context switches, far more than the CRC of a few kilobytes.
 */
final class ParallelCrc64 implements AutoCloseable {
    private static final int RING = 4;
    private static final int SIZE = 1 << 17;
    private static final int INLINE = 16 * 1024;

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "crc64");
        t.setDaemon(true);
        return t;
    });
    private final byte[][] buffers = new byte[RING][SIZE];
    private final Future<?>[] pending = new Future<?>[RING];
    private final Crc64 crc = new Crc64();
    private int next;

    /** The buffer to fill next (waits until the checksum thread is done with it). */
    byte[] buffer() throws IOException {
        await(next);
        return buffers[next];
    }

    /** Hands the first {@code len} bytes of the current buffer to the checksum thread. */
    void submit(int len) {
        byte[] b = buffers[next];
        if (len <= INLINE && idle()) {
            crc.update(b, 0, len);
            return; // the same buffer is handed out next
        }
        pending[next] = worker.submit(() -> crc.update(b, 0, len));
        next = (next + 1) % RING;
    }

    /** Whether the checksum thread has finished everything handed to it (its updates are then visible here). */
    private boolean idle() {
        for (int i = 0; i < RING; i++) {
            Future<?> f = pending[i];
            if (f != null) {
                if (!f.isDone()) {
                    return false;
                }
                pending[i] = null;
            }
        }
        return true;
    }

    void reset() throws IOException {
        awaitAll();
        crc.reset();
    }

    byte[] sum() throws IOException {
        awaitAll();
        return crc.sum();
    }

    private void awaitAll() throws IOException {
        for (int i = 0; i < RING; i++) {
            await(i);
        }
    }

    private void await(int i) throws IOException {
        Future<?> f = pending[i];
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while computing a checksum");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        pending[i] = null;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
