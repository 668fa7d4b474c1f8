package io.cargohold.copy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs a producer that writes into an OutputStream on its own (virtual) thread and offers what it
 * writes as an InputStream, through a bounded queue of chunks. A failure of the producer is rethrown
 * to the reader; closing the reader early stops the producer.
 */
public final class ChunkPipe extends InputStream {
    /** Writes everything to {@code out}; {@code out} is closed by the pipe afterwards. */
    @FunctionalInterface
    public interface Producer {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final byte[] EOF = new byte[0];
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(16);
    private volatile Throwable failure;
    private volatile boolean closed;
    private final Thread thread;
    private byte[] current = new byte[0];
    private int pos;
    private boolean eof;

    private ChunkPipe(Producer producer, String name) {
        this.thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try (OutputStream out = new Sink()) {
                producer.writeTo(out);
            } catch (Throwable t) {
                failure = t;
            } finally {
                offer(EOF);
            }
        });
    }

    public static ChunkPipe start(Producer producer, String name) {
        ChunkPipe p = new ChunkPipe(producer, name);
        p.thread.start();
        return p;
    }

    private void offer(byte[] chunk) {
        try {
            while (!closed && !queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                // wait for the reader
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Sink extends OutputStream {
        private final byte[] buf = new byte[1 << 17];
        private int n;

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) {
                flushChunk();
            }
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (n == buf.length) {
                    flushChunk();
                }
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
            }
        }

        private void flushChunk() throws IOException {
            if (closed) {
                throw new IOException("reader closed the pipe");
            }
            if (n > 0) {
                offer(Arrays.copyOf(buf, n));
                n = 0;
            }
        }

        @Override
        public void close() throws IOException {
            flushChunk();
        }
    }

    private boolean fill() throws IOException {
        while (pos >= current.length) {
            if (eof) {
                return false;
            }
            try {
                current = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for data");
            }
            pos = 0;
            if (current == EOF) {
                eof = true;
                Throwable f = failure;
                if (f instanceof IOException io) {
                    throw io;
                }
                if (f != null) {
                    throw new IOException(f.toString(), f);
                }
                return false;
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int k = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, k);
        pos += k;
        return k;
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
        if (!eof) {
            thread.interrupt();
        }
    }
}
