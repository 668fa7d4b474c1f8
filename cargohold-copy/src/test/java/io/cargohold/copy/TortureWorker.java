package io.cargohold.copy;

import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.copy.cargohold.ImportExport;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child-process main for {@link TortureTest}: threads that mix put, import, rm, gc, export and fsck on
 * one store until a deadline. args: ROOT OUTDIR SEED THREADS SECONDS LAYOUT... Prints "COMMITTED REF
 * DIGEST" after each import returned, "REMOVED REF" after each rm, "DAMAGE ..." if an fsck finds any,
 * "FAILED ..." for an unexpected exception (then exits 1), and "DONE counts" at the end. Tolerated:
 * only what concurrency makes legitimate (a reference removed meanwhile: not found).
 */
public final class TortureWorker {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path out = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        long deadline = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
        List<Path> layouts = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            layouts.add(Path.of(args[i]));
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger[] counts = new AtomicInteger[6];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new AtomicInteger();
        }
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
            ImportExport ie = new ImportExport(oci, CopyContext.of(root, null), null);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tn = t;
                Random r = new Random(seed * 1000 + t);
                ts.add(Thread.ofPlatform().start(() -> {
                    int n = 0;
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        int op = r.nextInt(100);
                        try {
                            if (op < 25) {
                                byte[] b = new byte[1 + r.nextInt(20_000)];
                                r.nextBytes(b);
                                oci.blobs().put(new ByteArrayInputStream(b), PutOptions.defaults());
                                counts[0].incrementAndGet();
                            } else if (op < 55) {
                                int i = r.nextInt(layouts.size());
                                Reference ref = Reference.parse("img" + i + ":t" + r.nextInt(6));
                                var res = ie.importLayout(layouts.get(i), "latest", ref);
                                print("COMMITTED " + ref + " " + res.image().descriptor().digest());
                                counts[1].incrementAndGet();
                            } else if (op < 70) {
                                List<ImageRef> refs = oci.list();
                                if (!refs.isEmpty()) {
                                    Reference ref = refs.get(r.nextInt(refs.size())).reference();
                                    try {
                                        oci.remove(ref);
                                        print("REMOVED " + ref);
                                    } catch (NotFoundException removedMeanwhile) {
                                        // another thread or process was first
                                    }
                                }
                                counts[2].incrementAndGet();
                            } else if (op < 80) {
                                oci.gc(r.nextInt(4) == 0);
                                counts[3].incrementAndGet();
                            } else if (op < 93) {
                                List<ImageRef> refs = oci.list();
                                if (!refs.isEmpty()) {
                                    Reference ref = refs.get(r.nextInt(refs.size())).reference();
                                    try {
                                        ie.export(ref, out.resolve("p" + seed + "-t" + tn + "-" + (n++ % 3)), "x");
                                    } catch (NotFoundException removedMeanwhile) {
                                        // removed (and swept) while it was exported
                                    }
                                }
                                counts[4].incrementAndGet();
                            } else {
                                FsckReport f = oci.blobs().fsck(FsckOptions.checkOnly());
                                if (f.hasDamage()) {
                                    print("DAMAGE " + f);
                                    failure.compareAndSet(null, new AssertionError("fsck: " + f));
                                }
                                counts[5].incrementAndGet();
                            }
                        } catch (Throwable e) {
                            if (e instanceof FailedPreconditionException && String.valueOf(e.getMessage()).contains("referenced by")) {
                                continue;
                            }
                            failure.compareAndSet(null, e);
                        }
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        if (failure.get() != null) {
            print("FAILED " + failure.get());
            failure.get().printStackTrace();
            System.exit(1);
        }
        print("DONE put=" + counts[0] + " import=" + counts[1] + " rm=" + counts[2] + " gc=" + counts[3] + " export=" + counts[4]
                + " fsck=" + counts[5]);
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
