package io.cargohold.storage.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads {@code source} on a thread of its own, up to {@code depth} chunks ahead of the reader: on apply,
 * everything before the tar parser (reading the blob, SHA-256 of the compressed stream, decompression,
 * the expansion guard, SHA-256 of the tar) runs on that thread while the caller's thread parses and
 * writes files (and a third computes the CRC-64s). The bytes, their order and any exception of
 * {@code source} reach the reader unchanged; an exception arrives after the bytes read before it.
 * {@link #close} stops the thread (it does not close {@code source}, which the caller owns) and waits
 * briefly for it, so {@code source} is no longer read once the caller moves on. Once the reader has
 * seen the end of the stream, the thread has finished with {@code source} (its digests are final).
 */
final class ReadAheadInputStream extends InputStream {
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> filled;
    private final BlockingQueue<byte[]> free;
    private final Thread thread;
    private volatile boolean closed;
    private volatile IOException failure;
    private byte[] current;
    private int pos;
    private boolean atEnd;

    ReadAheadInputStream(InputStream source, int chunk, int depth) {
        this.filled = new ArrayBlockingQueue<>(depth + 1);
        this.free = new ArrayBlockingQueue<>(depth + 1);
        for (int i = 0; i < depth; i++) {
            free.add(new byte[chunk]);
        }
        this.thread = Thread.ofPlatform().daemon().name("layer-read").unstarted(() -> pump(source, chunk));
        thread.start();
    }

    private void pump(InputStream source, int chunk) {
        try {
            while (!closed) {
                byte[] buf = free.take();
                int n = source.readNBytes(buf, 0, buf.length);
                if (n > 0) {
                    // a short chunk (the last) travels as a copy of its length; full ones as they are
                    filled.put(n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
                    if (n < buf.length) {
                        free.put(buf);
                    }
                }
                if (n < chunk) {
                    filled.put(END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed by the reader
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            try {
                filled.put(END);
            } catch (InterruptedException ignored) {
                // closed by the reader
            }
        }
    }

    /** The next chunk with bytes left, or false at the end (throwing the source's exception, if any). */
    private boolean ensure() throws IOException {
        if (current != null && pos < current.length) {
            return true;
        }
        if (atEnd) {
            return false;
        }
        if (current != null) {
            free.offer(current); // a full chunk goes back to the pump (short copies are simply dropped)
            current = null;
        }
        byte[] next;
        try {
            next = filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the layer");
        }
        if (next == END) {
            atEnd = true;
            if (failure != null) {
                throw failure;
            }
            return false;
        }
        current = next;
        pos = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        return ensure() ? current[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (!ensure()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length - pos;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
