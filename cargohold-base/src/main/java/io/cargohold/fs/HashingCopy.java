package io.cargohold.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Copies a stream to a file channel at its position and feeds every byte to a digest, the digest
 * on a second thread: while one buffer is hashed the next is read and written, so a large blob's
 * SHA-256 (~0.2 s per 300 MB here) runs beside its reading and writing instead of after each piece
 * of it (bench/README.md section 23). Streams shorter than two buffers are hashed on the caller's thread.
 * The digest has seen exactly the bytes written when {@link #copy} returns; on an exception it holds
 * an unspecified prefix (the caller discards it). Given the file's path, the hashing thread also starts the
 * kernel writing what was written, every few MiB ({@link Writeback}), so the caller's fsync at the end has
 * little left to do.
 */
public final class HashingCopy {
    /** Bytes read, written and hashed at a time. */
    public static final int BUFFER = 1 << 20;
    private static final int BUFFERS = 3;

    private HashingCopy() {
    }

    /** One filled buffer on its way to the hasher; {@code len} -1 ends the stream. */
    private record Piece(byte[] buf, int len) {
    }

    /**
     * Copies {@code in} to {@code out} (from its position on) until the stream ends, hashing into
     * {@code md}. Stops after {@code max} bytes (less than {@code Long.MAX_VALUE}): when the stream holds more, returns {@code max + 1}
     * (the byte beyond is neither written nor hashed) and the caller treats the content as too long.
     *
     * @param expected the stream's length when known (-1 otherwise): a short one is hashed inline
     * @return the bytes copied, or {@code max + 1} when the stream was longer than {@code max}
     */
    public static long copy(InputStream in, FileChannel out, MessageDigest md, long max, long expected) throws IOException {
        return copy(in, out, md, max, expected, null);
    }

    /**
     * As {@link #copy(InputStream, FileChannel, MessageDigest, long, long)}, with write-out hints for the file
     * {@code out} writes ({@code file}; {@code null}: none), given on the hashing thread as the bytes pass it.
     */
    public static long copy(InputStream in, FileChannel out, MessageDigest md, long max, long expected, java.nio.file.Path file)
            throws IOException {
        if (max < 0 || max == Long.MAX_VALUE) {
            throw new IllegalArgumentException("max " + max);
        }
        byte[] first = new byte[expected >= 0 && expected < BUFFER ? (int) Math.max(expected + 1, 8192) : BUFFER];
        int n = fill(in, first, max + 1);
        if (n > max) {
            return max + 1;
        }
        if (n == 0 || expected >= 0 && expected <= 2L * BUFFER) {
            // short: no thread
            long total = 0;
            byte[] b = first;
            while (n > 0) {
                md.update(b, 0, n);
                writeFully(out, b, n);
                total += n;
                n = fill(in, b, max + 1 - total);
                if (total + n > max) {
                    return max + 1;
                }
            }
            return total;
        }
        BlockingQueue<Piece> toHash = new ArrayBlockingQueue<>(BUFFERS + 1);
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 1; i < BUFFERS; i++) {
            free.add(new byte[BUFFER]);
        }
        Throwable[] hashFailure = new Throwable[1];
        long start = out.position();
        Thread hasher = Thread.ofVirtual().name("hash").unstarted(() -> {
            // each piece was written before it was queued: the bytes up to its end can be written out
            try (Writeback wb = new Writeback(file, start)) {
                long end = start;
                while (true) {
                    Piece p = toHash.take();
                    if (p.len() < 0) {
                        return;
                    }
                    md.update(p.buf(), 0, p.len());
                    end += p.len();
                    free.put(p.buf());
                    wb.written(end);
                }
            } catch (InterruptedException stopped) {
                // the copy failed: the caller discards the digest
            } catch (RuntimeException | Error e) {
                hashFailure[0] = e;
            }
        });
        hasher.start();
        boolean done = false;
        try {
            long total = 0;
            byte[] b = first;
            while (n > 0) {
                writeFully(out, b, n);
                total += n;
                put(toHash, new Piece(b, n));
                b = take(free, hasher, hashFailure);
                n = fill(in, b, max + 1 - total);
                if (total + n > max) {
                    return max + 1;
                }
            }
            put(toHash, new Piece(null, -1));
            join(hasher);
            if (hashFailure[0] != null) {
                throw new IOException("hashing failed: " + hashFailure[0], hashFailure[0]);
            }
            done = true;
            return total;
        } finally {
            if (!done) {
                hasher.interrupt();
                boolean interrupted = Thread.interrupted();
                try {
                    hasher.join();
                } catch (InterruptedException again) {
                    interrupted = true;
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * One read of at most the buffer or {@code limit} bytes; 0 at the end. Not more than one: what arrived is
     * written at once, so a process killed while a slow stream trickles in keeps every byte it had.
     */
    private static int fill(InputStream in, byte[] b, long limit) throws IOException {
        int want = (int) Math.min(b.length, Math.max(0, limit));
        if (want == 0) {
            return 0;
        }
        while (true) {
            int r = in.read(b, 0, want);
            if (r != 0) {
                return Math.max(r, 0);
            }
        }
    }

    private static void writeFully(FileChannel out, byte[] b, int n) throws IOException {
        ByteBuffer w = ByteBuffer.wrap(b, 0, n);
        while (w.hasRemaining()) {
            out.write(w);
        }
    }

    private static void put(BlockingQueue<Piece> q, Piece p) throws IOException {
        try {
            q.put(p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying");
        }
    }

    private static byte[] take(BlockingQueue<byte[]> free, Thread hasher, Throwable[] failure) throws IOException {
        try {
            while (true) {
                byte[] b = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (b != null) {
                    return b;
                }
                if (!hasher.isAlive()) {
                    throw new IOException("hashing stopped" + (failure[0] == null ? "" : ": " + failure[0]), failure[0]);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying");
        }
    }

    private static void join(Thread t) throws IOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }
}
