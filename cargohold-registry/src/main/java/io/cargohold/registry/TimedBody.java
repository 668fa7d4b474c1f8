package io.cargohold.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an InputStream whose reads give up after {@code idle} without a byte: the JDK's
 * {@code BodySubscribers.ofInputStream()} would wait for ever on a registry that stopped sending.
 * Holds at most two lists of buffers (back-pressure through {@code request(1)}).
 */
final class TimedBody implements HttpResponse.BodySubscriber<InputStream> {
    private static final Object END = new Object();
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Duration idle;
    private final CompletableFuture<InputStream> body = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;

    TimedBody(Duration idle) {
        this.idle = idle;
        body.complete(new Stream());
    }

    static HttpResponse.BodyHandler<InputStream> handler(Duration idle) {
        return info -> new TimedBody(idle);
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    private final class Stream extends InputStream {
        private List<ByteBuffer> current = List.of();
        private int index;
        private boolean done;
        private boolean closed;

        private ByteBuffer next() throws IOException {
            while (true) {
                if (closed) {
                    throw new IOException("stream closed");
                }
                if (done) {
                    return null;
                }
                while (index < current.size()) {
                    ByteBuffer b = current.get(index);
                    if (b.hasRemaining()) {
                        return b;
                    }
                    index++;
                }
                Object o;
                try {
                    o = queue.poll(idle.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new java.io.InterruptedIOException("interrupted while reading a response");
                }
                if (o == null) {
                    close();
                    throw new HttpTimeoutException("no data from the registry for " + idle.toSeconds() + " s");
                }
                if (o == END) {
                    done = true;
                    return null;
                }
                if (o instanceof Throwable t) {
                    done = true;
                    throw t instanceof IOException io ? io : new IOException(t.toString(), t);
                }
                @SuppressWarnings("unchecked")
                List<ByteBuffer> l = (List<ByteBuffer>) o;
                current = l;
                index = 0;
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.request(1);
                }
            }
        }

        @Override
        public int read() throws IOException {
            ByteBuffer b = next();
            return b == null ? -1 : b.get() & 0xff;
        }

        @Override
        public int read(byte[] dst, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            ByteBuffer b = next();
            if (b == null) {
                return -1;
            }
            int n = Math.min(len, b.remaining());
            b.get(dst, off, n);
            int total = n;
            // take what is already buffered without waiting
            while (total < len && index < current.size()) {
                ByteBuffer c = current.get(index);
                if (!c.hasRemaining()) {
                    index++;
                    continue;
                }
                int m = Math.min(len - total, c.remaining());
                c.get(dst, off + total, m);
                total += m;
            }
            return total;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Flow.Subscription s = subscription;
                if (s != null && !done) {
                    s.cancel();
                }
            }
        }
    }
}
