package io.cargohold.content.internal;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.PutOptions;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child-process main for {@link MultiProcessStressTest}: threads that put, read (verified), remove and
 * reference blobs from a pool every process shares. Only the outcomes concurrency makes legitimate
 * (not found after a concurrent removal, a refused removal of a referenced blob) are tolerated; any
 * other exception, or a read returning the wrong bytes, fails the process.
 */
public final class StressWorker {
    static final int POOL = 48;

    /** The shared pool: the same bytes in every process. */
    static byte[] content(int i) {
        Random r = new Random(1000 + i);
        byte[] b = new byte[1 + (i * 7919) % 300_000];
        r.nextBytes(b);
        return b;
    }

    static DigestAlgorithm algorithm(int i) {
        return i % 5 == 0 ? DigestAlgorithm.SHA512 : DigestAlgorithm.SHA256;
    }

    static Digest digest(int i) {
        byte[] b = content(i);
        return Digest.of(algorithm(i), b, 0, b.length);
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int threads = Integer.parseInt(args[2]);
        int ops = Integer.parseInt(args[3]);
        byte[][] pool = new byte[POOL][];
        Digest[] digests = new Digest[POOL];
        for (int i = 0; i < POOL; i++) {
            pool[i] = content(i);
            digests[i] = digest(i);
        }
        AtomicInteger failures = new AtomicInteger();
        int[] counts = new int[6];
        try (LocalBlobStore store = TestStores.open(root)) {
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random r = new Random(seed * 31 + t);
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < ops && failures.get() == 0; n++) {
                        int i = r.nextInt(POOL);
                        int op = r.nextInt(100);
                        try {
                            if (op < 40) {
                                var res = store.put(new ByteArrayInputStream(pool[i]), PutOptions.expecting(digests[i]));
                                check(res.info().size() == pool[i].length, "size of " + digests[i]);
                                count(counts, 0);
                            } else if (op < 65) {
                                try (InputStream in = store.open(digests[i], Verify.CONTENT)) {
                                    check(Arrays.equals(pool[i], in.readAllBytes()), "content of " + digests[i]);
                                }
                                count(counts, 1);
                            } else if (op < 85) {
                                store.delete(digests[i]);
                                count(counts, 2);
                            } else if (op < 95) {
                                store.putRecord("refs", "ref" + (i % 8), "v" + n, digests[i]);
                                count(counts, 3);
                            } else {
                                store.removeRecord("refs", "ref" + (i % 8));
                                count(counts, 4);
                            }
                        } catch (NotFoundException | FailedPreconditionException expected) {
                            count(counts, 5);
                        } catch (Throwable e) {
                            failures.incrementAndGet();
                            System.err.println("unexpected failure in op " + op + " on " + digests[i]);
                            e.printStackTrace();
                        }
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        synchronized (counts) {
            System.out.println("puts=" + counts[0] + " reads=" + counts[1] + " removes=" + counts[2] + " refs=" + counts[3]
                    + " unrefs=" + counts[4] + " tolerated=" + counts[5]);
        }
        System.out.println(failures.get() == 0 ? "DONE" : "FAILED");
        System.exit(failures.get() == 0 ? 0 : 1);
    }

    private static void count(int[] counts, int k) {
        synchronized (counts) {
            counts[k]++;
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("wrong " + what);
        }
    }
}
