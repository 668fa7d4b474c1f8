package io.cargohold.registry;

import io.cargohold.errors.CorruptException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request body read from a stream on a thread of its own, handed to java.net.http a few buffers
 * ahead. {@code BodyPublishers.ofInputStream} reads the stream on the client's thread that then writes
 * the socket, so reading the source, hashing it (the caller's stream does) and sending ran one after
 * the other on one thread (on a 430 MiB push that thread held ~65 % of the client's CPU samples;
 * bench/README.md section 23). Here a virtual thread reads (and hashes) while the client's thread
 * writes. The stream is read once: a second subscription fails.
 */
final class StreamedBody implements Flow.Publisher<ByteBuffer> {
    /** Buffers read ahead (a power of two, as SubmissionPublisher wants). */
    private static final int AHEAD = 4;
    private final InputStream in;
    private final long length;
    private final int bufferSize;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    private StreamedBody(InputStream in, long length, int bufferSize) {
        this.in = in;
        this.length = length;
        this.bufferSize = bufferSize;
    }

    /**
     * A body publisher of {@code length} bytes (-1 unknown: chunked) read from {@code in}, which it closes. A
     * stream that ends early or holds more fails the request (CorruptException as the cause): the last buffer
     * is handed over only after the stream's end was seen where {@code length} says.
     */
    static HttpRequest.BodyPublisher of(InputStream in, long length) {
        StreamedBody b = new StreamedBody(in, length, RegistryClient.HTTP_BUFFER);
        return length >= 0 ? HttpRequest.BodyPublishers.fromPublisher(b, length) : HttpRequest.BodyPublishers.fromPublisher(b);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            subscriber.onError(new IOException("a streamed request body can be sent once"));
            return;
        }
        SubmissionPublisher<ByteBuffer> p = new SubmissionPublisher<>(r -> Thread.ofVirtual().name("upload-deliver").start(r), AHEAD);
        p.subscribe(subscriber);
        Thread.ofVirtual().name("upload-read").start(() -> {
            try (InputStream s = in) {
                long total = 0;
                while (p.hasSubscribers()) {
                    int want = length >= 0 ? (int) Math.min(bufferSize, length - total) : bufferSize;
                    byte[] b = new byte[Math.max(want, 1)];
                    int n = want == 0 ? 0 : s.readNBytes(b, 0, want);
                    total += n;
                    boolean end = n < want || length >= 0 && total == length;
                    if (end && length >= 0) {
                        if (total < length) {
                            throw new CorruptException("size mismatch: the content ended after " + total + " of " + length + " bytes");
                        }
                        if (s.read() >= 0) {
                            throw new CorruptException("size mismatch: the content is longer than " + length + " bytes");
                        }
                    }
                    if (n > 0) {
                        p.submit(ByteBuffer.wrap(b, 0, n)); // waits while AHEAD buffers are not taken yet
                    }
                    if (end) {
                        break;
                    }
                }
                p.close();
            } catch (Throwable e) {
                p.closeExceptionally(e);
            }
        });
    }
}
