package io.cargohold.content.internal;

import io.cargohold.content.BlobWriter;
import io.cargohold.content.PutResult;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.WriterOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.UnavailableException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * Child-process main for {@link IngestProcessTest}: one writer of ref {@code REF} for the content
 * {@link #content(long, int)}, continuing at the writer's offset. Prints "OPENED offset present" once
 * the writer is open, then per mode:
 * <ul>
 *   <li>{@code hold HALF}: writes up to HALF bytes, flushes, prints "HALF", waits for "GO" on stdin;</li>
 *   <li>{@code slow SLEEP_MS}: writes 16 KiB chunks, sleeping between them, printing "AT offset";</li>
 *   <li>{@code wait TIMEOUT_MS}: prints "WAITING" before opening (with that lock timeout, 0 for the
 *       store's), and "BUSY message" when it expires;</li>
 * </ul>
 * An optional seventh argument is the content's digest. Then it writes the rest, commits and prints "WROTE bytes-written-by-this-process" and "RESULT status".
 */
public final class IngestWorker {
    static final int CHUNK = 16 * 1024;

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String ref = args[1];
        int size = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        String mode = args[4];
        long param = Long.parseLong(args[5]);
        byte[] data = content(seed, size);
        // The test passes the digest when it knows it: hashing MiBs under C1 would slow every start.
        Digest digest = args.length > 6 ? Digest.parse(args[6]) : Digest.sha256(data);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        try (LocalBlobStore store = LocalBlobStore.open(root, StoreOptions.defaults())) {
            WriterOptions opts = WriterOptions.expecting(digest, size);
            if (mode.equals("wait")) {
                System.out.println("WAITING");
                if (param > 0) {
                    opts = opts.withLockTimeout(Duration.ofMillis(param));
                }
            }
            BlobWriter w;
            try {
                w = store.writer(ref, opts);
            } catch (UnavailableException busy) {
                System.out.println("BUSY " + busy.getMessage());
                return;
            }
            try (w) {
                long start = w.offset();
                System.out.println("OPENED " + start + " " + w.alreadyPresent());
                int at = (int) start;
                if (mode.equals("hold")) {
                    int half = (int) Math.max(at, param);
                    w.write(data, at, half - at);
                    w.flush();
                    at = half;
                    System.out.println("HALF");
                    if (!"GO".equals(stdin.readLine())) {
                        return;
                    }
                }
                while (at < size) {
                    int n = Math.min(CHUNK, size - at);
                    w.write(data, at, n);
                    at += n;
                    if (mode.equals("slow")) {
                        System.out.println("AT " + at);
                        Thread.sleep(param);
                    }
                }
                PutResult r = w.commit(size, digest);
                System.out.println("WROTE " + (at - start));
                System.out.println("RESULT " + r.status());
            }
        }
    }

    /** The content every process and the test agree on. */
    static byte[] content(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
