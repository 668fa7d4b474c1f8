package io.cargohold.storage.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip compressed on every core, as upstream's diff does with klauspost/pgzip: the input is cut into
 * 1 MiB blocks, each block is deflated on a worker thread with the previous block's last 32 KiB as its
 * dictionary and ended with a sync flush (an empty stored block, so it ends on a byte boundary), and
 * the blocks are written in order as one deflate stream in one gzip member: ordinary gzip that any
 * reader decompresses, not byte for byte what upstream or zlib alone would write (diff output never
 * was). The CRC-32 and size of the trailer are computed on the writing thread (CRC32 is an intrinsic).
 * A block whose first 64 KiB shrink by less than 3 % is written as stored blocks (compressed and
 * random data cost zlib ~25 ms per MiB for nothing); the decision depends on the block's bytes alone,
 * so the same input always gives the same output, whatever the threads' timing. At most two blocks
 * per worker are in flight, so memory stays bounded. Not thread-safe (one writer), like every
 * OutputStream here. The JDK's {@link Deflater} and {@link CRC32} do the compressing and summing;
 * only the block framing is ours (no maintained Java library writes gzip on several cores).
 */
final class ParallelGzipOutputStream extends OutputStream {
    static final int BLOCK = 1 << 20;
    static final int LEVEL = 3;
    private static final int DICT = 32 * 1024;
    private static final int PROBE = 64 * 1024;
    /** Header of a gzip member: deflate, no flags, no time, no extra flags, OS unknown (as the JDK writes). */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final OutputStream out;
    private final int level;
    private final int threads;
    private final ExecutorService pool;
    private final ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private byte[] block = new byte[BLOCK];
    private int filled;
    private byte[] previous; // the tail of the last block handed out (the next block's dictionary)
    private long total;
    private boolean headerWritten;
    private boolean closed;

    ParallelGzipOutputStream(OutputStream out, int level, int threads) {
        this.out = out;
        this.level = level;
        this.threads = Math.max(1, threads);
        this.pool = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "gzip-block");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * zlib level 3 on every core: zlib deflates ~2.5 times slower per core than upstream's klauspost
     * deflate at its default level, and level 3 (the best of zlib's fast levels) closes most of that:
     * on the large test image's 595 MiB base layer it wrote 324,695,336 bytes in 22.9 s, level 6
     * 313,685,170 bytes in 54-63 s, upstream 312,929,124 bytes (bench/README.md section 16).
     */
    ParallelGzipOutputStream(OutputStream out) {
        this(out, LEVEL, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        crc.update(b, off, len);
        total += len;
        while (len > 0) {
            int n = Math.min(len, BLOCK - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK) {
                submit(false);
            }
        }
    }

    /** Hands the filled block to a worker (the last one with {@code last}), then writes what is done. */
    private void submit(boolean last) throws IOException {
        if (!headerWritten) {
            out.write(HEADER);
            headerWritten = true;
        }
        byte[] data = block;
        int n = filled;
        byte[] dict = previous;
        pending.add(pool.submit(() -> deflate(data, n, dict, level, last)));
        previous = n >= DICT ? Arrays.copyOfRange(data, n - DICT, n) : tail(previous, data, n);
        block = last ? null : new byte[BLOCK];
        filled = 0;
        drain(last ? 0 : 2 * threads - 1);
    }

    /** The last 32 KiB of what went before plus {@code data[0, n)} (for blocks shorter than the dictionary). */
    private static byte[] tail(byte[] before, byte[] data, int n) {
        byte[] prev = before == null ? new byte[0] : before;
        byte[] all = Arrays.copyOf(prev, prev.length + n);
        System.arraycopy(data, 0, all, prev.length, n);
        return all.length > DICT ? Arrays.copyOfRange(all, all.length - DICT, all.length) : all;
    }

    /** Writes finished blocks in order until at most {@code keep} are in flight. */
    private void drain(int keep) throws IOException {
        while (pending.size() > keep || (!pending.isEmpty() && pending.peek().isDone())) {
            byte[] z;
            try {
                z = pending.poll().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while compressing");
            } catch (ExecutionException e) {
                throw new IOException("gzip block failed", e.getCause());
            }
            out.write(z);
        }
    }

    private static byte[] deflate(byte[] data, int n, byte[] dict, int level, boolean last) {
        if (level != Deflater.NO_COMPRESSION && n > 2 * PROBE && !compresses(data, level)) {
            level = Deflater.NO_COMPRESSION;
        }
        Deflater d = new Deflater(level, true);
        try {
            if (dict != null && dict.length > 0 && level != Deflater.NO_COMPRESSION) {
                d.setDictionary(dict);
            }
            d.setInput(data, 0, n);
            if (last) {
                d.finish();
            }
            byte[] buf = new byte[n + (n >> 6) + 64];
            int len = 0;
            while (true) {
                int k = d.deflate(buf, len, buf.length - len, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
                len += k;
                if (last ? d.finished() : len < buf.length) {
                    break; // a sync flush that left room in the buffer has written everything
                }
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            return len == buf.length ? buf : Arrays.copyOf(buf, len);
        } finally {
            d.end();
        }
    }

    /** Whether the block's first 64 KiB shrink by at least 3 % at {@code level}. */
    private static boolean compresses(byte[] data, int level) {
        Deflater p = new Deflater(level, true);
        try {
            p.setInput(data, 0, PROBE);
            p.finish();
            byte[] scratch = new byte[PROBE + 1024];
            while (!p.finished()) {
                p.deflate(scratch);
            }
            return p.getBytesWritten() * 100 <= (long) PROBE * 97;
        } finally {
            p.end();
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Finishes the gzip member (the last block, CRC-32 and size) and closes the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            submit(true);
            byte[] trailer = new byte[8];
            int c = (int) crc.getValue();
            int s = (int) total;
            for (int i = 0; i < 4; i++) {
                trailer[i] = (byte) (c >>> (8 * i));
                trailer[4 + i] = (byte) (s >>> (8 * i));
            }
            out.write(trailer);
            out.close();
        } finally {
            pool.shutdownNow();
        }
    }
}
