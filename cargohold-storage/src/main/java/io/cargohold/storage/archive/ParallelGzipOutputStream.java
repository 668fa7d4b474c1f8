package io.cargohold.storage.archive;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip compressed on every core, as upstream's diff does with klauspost/pgzip: the input is cut into
 * 1 MiB blocks, each compressed on a worker thread and written in order. Two engines:
 * <ul>
 * <li>{@link Engine#LIBDEFLATE} (the default when the system has libdeflate, {@link LibDeflate}): each
 * block is one complete gzip member of its own (header, raw DEFLATE from libdeflate's whole-buffer
 * compressor, CRC-32 and size), so the output is a multi-member gzip file (RFC 1952 section 2.2: "a
 * series of members"), as bgzip and pigz-style tools with libdeflate write it. gzip, Go's
 * compress/gzip and klauspost/pgzip (what upstream and skopeo read with), the JDK's
 * {@code GZIPInputStream} and zlib's gzread read every member; a reader that stops after the first
 * member (Rust's flate2 {@code GzDecoder} without "Multi") would not. libdeflate has no streaming or
 * flush call, so its blocks cannot be joined into one DEFLATE stream. Random or compressed data costs
 * little: libdeflate stores a block that does not shrink.</li>
 * <li>{@link Engine#ZLIB} (the JDK's {@link Deflater}, when libdeflate is missing): each block is
 * deflated with the previous block's last 32 KiB as its dictionary and ended with a sync flush (an
 * empty stored block, so it ends on a byte boundary), and the blocks form one DEFLATE stream in one
 * gzip member, like pgzip's. A block whose first 64 KiB shrink by less than 3 % is written as stored
 * blocks (compressed and random data cost zlib ~25 ms per MiB for nothing).</li>
 * </ul>
 * Neither is byte for byte what upstream writes (diff output never was); the uncompressed content,
 * and so the diff ID, is the same. Each block's output depends on its bytes (and, for zlib, the
 * previous block's) alone, so the same input always gives the same output, whatever the threads'
 * timing and the write sizes. At most two blocks per worker are in flight, so memory stays bounded.
 * Not thread-safe (one writer), like every OutputStream here. Only the block framing is ours (no
 * maintained Java library writes gzip on several cores).
 */
final class ParallelGzipOutputStream extends OutputStream {
    static final int BLOCK = 1 << 20;
    /** zlib's level when libdeflate is missing. */
    static final int LEVEL = 3;
    /** libdeflate's level. */
    static final int LIBDEFLATE_LEVEL = 1;
    private static final int DICT = 32 * 1024;
    private static final int PROBE = 64 * 1024;
    /** Header of a gzip member: deflate, no flags, no time, no extra flags, OS unknown (as the JDK writes). */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    /** Who deflates the blocks. */
    enum Engine {
        /** libdeflate, one gzip member per block. */
        LIBDEFLATE,
        /** the JDK's zlib, one gzip member in all. */
        ZLIB;

        /** libdeflate when the system has it, zlib otherwise. */
        static Engine best() {
            return LibDeflate.available() ? LIBDEFLATE : ZLIB;
        }
    }

    private final OutputStream out;
    private final Engine engine;
    private final int level;
    private final int threads;
    private final ExecutorService pool;
    private final ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
    private final CRC32 crc = new CRC32(); // zlib: of everything (one member)
    /** libdeflate: compressors not in use; each is used by one worker at a time, all freed on close. */
    private final ConcurrentLinkedQueue<MemorySegment> idle = new ConcurrentLinkedQueue<>();
    private byte[] block = new byte[BLOCK];
    private int filled;
    private byte[] previous; // zlib: the tail of the last block handed out (the next block's dictionary)
    private long total;
    private boolean started; // zlib: header written; libdeflate: a member written
    private boolean closed;

    ParallelGzipOutputStream(OutputStream out, Engine engine, int level, int threads) {
        if (engine == Engine.LIBDEFLATE && !LibDeflate.available()) {
            throw new IllegalStateException("libdeflate is not available");
        }
        this.out = out;
        this.engine = engine;
        this.level = level;
        this.threads = Math.max(1, threads);
        this.pool = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "gzip-block");
            t.setDaemon(true);
            return t;
        });
    }

    /** zlib at {@code level} (the engine of a system without libdeflate). */
    ParallelGzipOutputStream(OutputStream out, int level, int threads) {
        this(out, Engine.ZLIB, level, threads);
    }

    /**
     * libdeflate level 1 on every core when the system has it, else zlib level 3 on every core. On the
     * large test image's 595 MiB base layer (2 threads, the tar in memory; bench/README.md sections 16
     * and 20): libdeflate level 1 313,885,840 bytes in 3.5 s of CPU, zlib level 3 324,695,336 bytes in
     * 8-9 s, zlib level 1 330,869,281 in 6.5 s; upstream's pgzip wrote 312,929,124 bytes. zlib level 3 is
     * the best of zlib's fast levels; libdeflate's level 1 is already smaller than zlib's level 6
     * (313,685,170).
     */
    ParallelGzipOutputStream(OutputStream out) {
        this(out, Engine.best(), Engine.best() == Engine.LIBDEFLATE ? LIBDEFLATE_LEVEL : LEVEL,
                Runtime.getRuntime().availableProcessors());
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
        if (engine == Engine.ZLIB) {
            crc.update(b, off, len);
        }
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
        byte[] data = block;
        int n = filled;
        if (engine == Engine.LIBDEFLATE) {
            if (n > 0 || !started) { // no empty member after others; an empty input is one empty member
                pending.add(pool.submit(() -> member(data, n)));
                started = true;
            }
        } else {
            if (!started) {
                out.write(HEADER);
                started = true;
            }
            byte[] dict = previous;
            pending.add(pool.submit(() -> deflate(data, n, dict, level, last)));
            previous = n >= DICT ? Arrays.copyOfRange(data, n - DICT, n) : tail(previous, data, n);
        }
        block = last ? null : new byte[BLOCK];
        filled = 0;
        drain(last ? 0 : 2 * threads - 1);
    }

    /** One gzip member holding {@code data[0, n)}, deflated by libdeflate. */
    private byte[] member(byte[] data, int n) {
        MemorySegment c = idle.poll();
        if (c == null) {
            c = LibDeflate.alloc(level);
        }
        try {
            byte[] z = new byte[HEADER.length + (int) LibDeflate.bound(c, n) + 8];
            System.arraycopy(HEADER, 0, z, 0, HEADER.length);
            int k = LibDeflate.compress(c, data, n, z, HEADER.length);
            if (k <= 0) {
                throw new IllegalStateException("libdeflate: output larger than its own bound");
            }
            CRC32 sum = new CRC32();
            sum.update(data, 0, n);
            int end = HEADER.length + k;
            putInt(z, end, (int) sum.getValue());
            putInt(z, end + 4, n);
            return Arrays.copyOf(z, end + 8);
        } finally {
            idle.add(c);
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
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

    /**
     * Finishes the output (the last block; zlib: the member's CRC-32 and size) and closes the underlying
     * stream. The workers are stopped and waited for before libdeflate's compressors are freed.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            submit(true);
            if (engine == Engine.ZLIB) {
                byte[] trailer = new byte[8];
                putInt(trailer, 0, (int) crc.getValue());
                putInt(trailer, 4, (int) total);
                out.write(trailer);
            }
            out.close();
        } finally {
            pool.shutdownNow();
            freeCompressors();
        }
    }

    private void freeCompressors() throws IOException {
        if (idle.isEmpty()) {
            return;
        }
        try {
            // a worker may still be in a native call (after a failure above); never free under it
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                return; // leaked, not freed while in use
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (MemorySegment c; (c = idle.poll()) != null; ) {
            LibDeflate.free(c);
        }
    }
}
