package io.cargohold.bench;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobStore;
import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.StoreStats;
import io.cargohold.content.gc.GcReport;
import io.cargohold.digest.Digest;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciParser;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Issue 4: garbage collection of a store of 10,000 references and more than 100,000 blobs
 * ({@code bench/gc.sh} runs it). Not a test: nothing asserts on a time; the checks are of what gc
 * removed and kept.
 *
 * <pre>
 * GcBench setup DIR [refs=10000] [layers=7-15] [shared=0.2] [pool=1000] [remove=0.1] [seed=42]
 * GcBench gc DIR [dry-first=true]
 * </pre>
 *
 * <p><b>setup</b> creates {@code DIR/store}, opened with {@code StoreOptions.defaults().withFsync(false)} (and no fresh-blob leases)
 * (the setup only: a throw-away store, filled quickly; everything timed later opens it with the
 * defaults, fsync on). It stores {@code refs} images, each a reference ({@code bench/appNNNNN:v1}) to an
 * OCI manifest with its own config (a realistic ~1 KiB JSON with diff_ids and history) and a number of
 * small layers (256-4095 random bytes, gzip media type) drawn uniformly from {@code layers}. Each layer
 * slot is, with probability {@code shared}, a layer of a pool of {@code pool} layers shared between
 * images (a pool layer is written the first time an image uses it), else a layer of its own. Blobs go
 * in through the public {@link BlobStore#put} (children first, as an import does) and references as
 * key/value records in the format {@code OciStore} writes them (namespace {@code refs}, value the
 * manifest descriptor's JSON, blob the manifest); then the store's index.json is written once. Finally
 * a fraction {@code remove} of the references, picked at random, is removed, so their manifests,
 * configs and unshared layers become garbage. It writes {@code DIR/expect.properties} (counts) and
 * {@code DIR/reachable.txt} / {@code DIR/garbage.txt} (digests), which {@code gc} checks against.
 *
 * <p><b>gc</b> opens {@code DIR/store} with {@code StoreOptions.defaults()} (fsync on) and times, in one
 * JVM: {@code OciStore.gc(true)} (dry run), {@code OciStore.gc(false)}, and a second dry run (which must
 * find nothing). It prints each report (roots, reachable, removed, bytes freed), the wall time and the
 * CPU time of the calling thread (SQLite runs in it too; JIT and GC threads are not counted), and fails
 * (exit 1) when a report differs from the expectation, or when, afterwards, a reachable blob is
 * missing (row or file) or a garbage blob is still there. With {@code dry-first=false} the dry run
 * before the collection is skipped (so the collection runs on a cold JVM and page cache).
 */
public final class GcBench {
    private static final String LAYER_MT = MediaTypes.OCI_LAYER_GZIP;

    private GcBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 1) {
                usage();
            }
            opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "setup" -> setup(dir, opts);
            case "gc" -> gc(dir, opts);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: GcBench setup DIR [refs=10000] [layers=7-15] [shared=0.2] [pool=1000] [remove=0.1] [seed=42]");
        System.err.println("       GcBench gc DIR [dry-first=true]");
        System.exit(2);
    }

    // ================================================================ setup

    private record Blob(Digest digest, long size) {
    }

    private static void setup(Path dir, Map<String, String> o) throws IOException {
        int refs = Integer.parseInt(o.getOrDefault("refs", "10000"));
        String[] range = o.getOrDefault("layers", "7-15").split("-");
        int minLayers = Integer.parseInt(range[0]);
        int maxLayers = Integer.parseInt(range[range.length - 1]);
        double shared = Double.parseDouble(o.getOrDefault("shared", "0.2"));
        int poolSize = Integer.parseInt(o.getOrDefault("pool", "1000"));
        double removeFraction = Double.parseDouble(o.getOrDefault("remove", "0.1"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        if (minLayers < 1 || maxLayers < minLayers || poolSize < maxLayers || refs < 1) {
            throw new IllegalArgumentException("need refs >= 1, 1 <= min layers <= max layers <= pool");
        }
        Path root = dir.resolve("store");
        if (Files.exists(root)) {
            throw new IllegalArgumentException(root + " exists already");
        }
        Files.createDirectories(dir);
        System.out.printf("setup: %d references, %d-%d layers each, %.0f %% of layer slots from a pool of %d shared layers,"
                + " %.0f %% of the references removed afterwards, seed %d%n", refs, minLayers, maxLayers, shared * 100, poolSize,
                removeFraction * 100, seed);
        System.out.println("setup: store opened with StoreOptions.defaults().withFsync(false) (setup only)");

        SplittableRandom rnd = new SplittableRandom(seed);
        Blob[] pool = new Blob[poolSize];
        Map<String, List<Blob>> images = new LinkedHashMap<>(); // reference -> manifest, config, layers
        Map<Digest, Long> sizes = new HashMap<>();
        long puts = 0;
        long t0 = System.nanoTime();
        // No fresh-blob leases: the setup's puts stand for blobs put long ago (their grace period is over).
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults().withFsync(false).withFreshBlobGrace(java.time.Duration.ZERO))) {
            BlobStore store = oci.blobs();
            long tick = t0;
            for (int i = 0; i < refs; i++) {
                int n = minLayers + rnd.nextInt(maxLayers - minLayers + 1);
                List<Blob> layers = new ArrayList<>(n);
                Set<Integer> usedPool = new HashSet<>();
                for (int k = 0; k < n; k++) {
                    if (rnd.nextDouble() < shared) {
                        int p;
                        do {
                            p = rnd.nextInt(poolSize);
                        } while (!usedPool.add(p));
                        if (pool[p] == null) {
                            pool[p] = put(store, randomBytes(rnd, 256 + rnd.nextInt(3840)), LAYER_MT);
                            puts++;
                        }
                        layers.add(pool[p]);
                    } else {
                        layers.add(put(store, randomBytes(rnd, 256 + rnd.nextInt(3840)), LAYER_MT));
                        puts++;
                    }
                }
                Blob config = put(store, config(i, n, rnd), MediaTypes.OCI_CONFIG);
                Blob manifest = put(store, manifest(config, layers, i), MediaTypes.OCI_MANIFEST);
                puts += 2;
                String ref = Reference.parse(String.format("bench/app%05d:v1", i)).toString();
                Descriptor d = Descriptor.of(MediaTypes.OCI_MANIFEST, manifest.digest(), manifest.size());
                store.putRecord(OciStore.REFS, ref, new String(OciParser.toBytes(OciParser.toJson(d)), StandardCharsets.UTF_8),
                        manifest.digest());
                List<Blob> all = new ArrayList<>(n + 2);
                all.add(manifest);
                all.add(config);
                all.addAll(layers);
                for (Blob b : all) {
                    sizes.put(b.digest(), b.size());
                }
                images.put(ref, all);
                if (System.nanoTime() - tick > 10_000_000_000L) {
                    tick = System.nanoTime();
                    System.out.printf("setup: %d references, %d puts, %.0f s%n", i + 1, puts, (tick - t0) / 1e9);
                }
            }
            long t1 = System.nanoTime();
            oci.syncLayoutIndex();
            StoreStats before = store.stats();

            // Remove a fraction of the references (index.json rewritten once, as the CLI's rm would do
            // after each): their unshared blobs become garbage.
            List<String> keys = new ArrayList<>(images.keySet());
            int toRemove = (int) Math.round(refs * removeFraction);
            Set<String> removed = new LinkedHashSet<>();
            while (removed.size() < toRemove) {
                removed.add(keys.get(rnd.nextInt(keys.size())));
            }
            // Through the OCI layer: records removed below it would be foreign index.json entries, adopted again.
            oci.remove(removed);
            long t2 = System.nanoTime();

            Set<Digest> reachable = new HashSet<>();
            Set<Digest> roots = new HashSet<>();
            for (var e : images.entrySet()) {
                if (!removed.contains(e.getKey())) {
                    roots.add(e.getValue().getFirst().digest());
                    for (Blob b : e.getValue()) {
                        reachable.add(b.digest());
                    }
                }
            }
            TreeMap<String, Long> garbage = new TreeMap<>();
            for (var e : sizes.entrySet()) {
                if (!reachable.contains(e.getKey())) {
                    garbage.put(e.getKey().toString(), e.getValue());
                }
            }
            long garbageBytes = garbage.values().stream().mapToLong(Long::longValue).sum();
            if (before.blobs() != sizes.size()) {
                throw new IllegalStateException("the store holds " + before.blobs() + " blobs, the setup wrote " + sizes.size());
            }
            Properties p = new Properties();
            p.setProperty("refs", Integer.toString(refs));
            p.setProperty("refsRemoved", Integer.toString(removed.size()));
            p.setProperty("blobs", Long.toString(before.blobs()));
            p.setProperty("bytes", Long.toString(before.bytes()));
            p.setProperty("roots", Integer.toString(roots.size()));
            p.setProperty("reachable", Integer.toString(reachable.size()));
            p.setProperty("garbage", Integer.toString(garbage.size()));
            p.setProperty("garbageBytes", Long.toString(garbageBytes));
            p.setProperty("layers", minLayers + "-" + maxLayers);
            p.setProperty("shared", Double.toString(shared));
            p.setProperty("pool", Integer.toString(poolSize));
            p.setProperty("seed", Long.toString(seed));
            try (Writer w = Files.newBufferedWriter(dir.resolve("expect.properties"))) {
                p.store(w, "GcBench setup");
            }
            Files.write(dir.resolve("reachable.txt"), reachable.stream().map(Digest::toString).sorted().toList());
            Files.write(dir.resolve("garbage.txt"), garbage.keySet());
            System.out.printf("setup: %d blobs (%d puts, %.1f MiB), %d references stored in %.1f s (%.0f puts/s, fsync off)%n",
                    before.blobs(), puts, before.bytes() / 1048576.0, refs, (t1 - t0) / 1e9, puts / ((t1 - t0) / 1e9));
            System.out.printf("setup: removed %d references in %.1f s; expected: roots %d, reachable %d, garbage %d blobs (%d bytes)%n",
                    removed.size(), (t2 - t1) / 1e9, roots.size(), reachable.size(), garbage.size(), garbageBytes);
        }
    }

    private static Blob put(BlobStore store, byte[] content, String mediaType) throws IOException {
        try (InputStream in = new ByteArrayInputStream(content)) {
            var r = store.put(in, PutOptions.defaults().withExpectedSize(content.length).withMediaType(mediaType));
            return new Blob(r.info().digest(), r.info().size());
        }
    }

    private static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static String randomHex(SplittableRandom rnd) {
        return HexFormat.of().formatHex(randomBytes(rnd, 32));
    }

    /** An image config like a build tool writes: platform, runtime config, diff_ids, history. */
    private static byte[] config(int image, int layers, SplittableRandom rnd) {
        Instant created = Instant.parse("2025-01-01T00:00:00Z").plusSeconds(image * 60L);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("Env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_ID=" + image));
        cfg.put("Cmd", List.of("/bin/sh", "-c", "exec /opt/app/bin/app" + image));
        cfg.put("WorkingDir", "/opt/app");
        cfg.put("Labels", Map.of("org.opencontainers.image.title", "app" + image, "com.example.bench", "gc"));
        List<String> diffIds = new ArrayList<>();
        List<Object> history = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            diffIds.add("sha256:" + randomHex(rnd));
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("created", created.minusSeconds(3600L * (layers - k)).toString());
            h.put("created_by", "/bin/sh -c #(nop) RUN step " + k + " of image " + image);
            history.add(h);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("created", created.toString());
        c.put("architecture", "amd64");
        c.put("os", "linux");
        c.put("config", cfg);
        c.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
        c.put("history", history);
        return OciParser.toBytes(c);
    }

    private static byte[] manifest(Blob config, List<Blob> layers, int image) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        m.put("config", OciParser.toJson(Descriptor.of(MediaTypes.OCI_CONFIG, config.digest(), config.size())));
        List<Object> l = new ArrayList<>();
        for (Blob b : layers) {
            l.add(OciParser.toJson(Descriptor.of(LAYER_MT, b.digest(), b.size())));
        }
        m.put("layers", l);
        m.put("annotations", Map.of("org.opencontainers.image.created",
                Instant.parse("2025-01-01T00:00:00Z").plusSeconds(image * 60L).toString()));
        return OciParser.toBytes(m);
    }

    // ================================================================ gc

    private static void gc(Path dir, Map<String, String> o) throws IOException {
        boolean dryFirst = Boolean.parseBoolean(o.getOrDefault("dry-first", "true"));
        Properties expect = new Properties();
        try (var r = Files.newBufferedReader(dir.resolve("expect.properties"))) {
            expect.load(r);
        }
        Path root = dir.resolve("store");
        long t0 = System.nanoTime();
        List<String> failures = new ArrayList<>();
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
            long t1 = System.nanoTime();
            StoreStats stats = oci.blobs().stats();
            System.out.printf("gc: store %s opened with StoreOptions.defaults() (fsync on) in %.3f s: %d blobs, %.1f MiB,"
                    + " %d key/value records%n", root, (t1 - t0) / 1e9, stats.blobs(), stats.bytes() / 1048576.0, stats.kvRecords());
            expect(failures, "blobs in the store", Long.parseLong(expect.getProperty("blobs")), stats.blobs());
            System.out.printf("%-22s %8s %10s %9s %12s %9s %9s%n", "gc", "roots", "reachable", "removed", "bytes freed", "seconds",
                    "cpu s");
            if (dryFirst) {
                timedGc(oci, true, "gc(true) dry run", expect, failures, false);
            }
            timedGc(oci, false, "gc(false)", expect, failures, false);
            timedGc(oci, true, "gc(true) afterwards", expect, failures, true);

            // Untimed: what is left is exactly the reachable set, rows and files.
            long t2 = System.nanoTime();
            int missing = 0;
            for (String line : Files.readAllLines(dir.resolve("reachable.txt"))) {
                Digest d = Digest.parse(line);
                if (!oci.blobs().contains(d) || !Files.isRegularFile(root.resolve("blobs/sha256").resolve(d.hex()))) {
                    missing++;
                }
            }
            int left = 0;
            for (String line : Files.readAllLines(dir.resolve("garbage.txt"))) {
                Digest d = Digest.parse(line);
                if (oci.blobs().contains(d) || Files.exists(root.resolve("blobs/sha256").resolve(d.hex()))) {
                    left++;
                }
            }
            expect(failures, "reachable blobs missing after gc", 0, missing);
            expect(failures, "garbage blobs still there after gc", 0, left);
            expect(failures, "blobs in the store after gc", Long.parseLong(expect.getProperty("reachable")), oci.blobs().stats().blobs());
            expect(failures, "references after gc", Long.parseLong(expect.getProperty("roots")), oci.list().size());
            System.out.printf("gc: checked in %.1f s: every reachable blob is there (row and file), no garbage blob is%n",
                    (System.nanoTime() - t2) / 1e9);
        }
        if (!failures.isEmpty()) {
            failures.forEach(f -> System.err.println("GcBench: FAILED: " + f));
            System.exit(1);
        }
    }

    private static void timedGc(OciStore oci, boolean dryRun, String label, Properties expect, List<String> failures, boolean after)
            throws IOException {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        GcReport r = oci.gc(dryRun);
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
        System.out.printf("%-22s %8d %10d %9d %12d %9.3f %9.3f%n", label, r.roots(), r.reachable(), r.removed().size(), r.bytesFreed(), s,
                cpu);
        expect(failures, label + ": roots", Long.parseLong(expect.getProperty("roots")), r.roots());
        expect(failures, label + ": reachable", Long.parseLong(expect.getProperty("reachable")), r.reachable());
        expect(failures, label + ": removed", after ? 0 : Long.parseLong(expect.getProperty("garbage")), r.removed().size());
        expect(failures, label + ": bytes freed", after ? 0 : Long.parseLong(expect.getProperty("garbageBytes")), r.bytesFreed());
        expect(failures, label + ": unreadable documents", 0, r.unreadable().size());
        if (!after) {
            Set<String> removed = new HashSet<>();
            for (BlobInfo b : r.removed()) {
                removed.add(b.digest().toString());
            }
            Set<String> garbage = new HashSet<>(Files.readAllLines(oci.blobs().root().getParent().resolve("garbage.txt")));
            if (!removed.equals(garbage)) {
                failures.add(label + ": the removed blobs are not exactly the garbage the setup made");
            }
        }
    }

    private static void expect(List<String> failures, String what, long expected, long actual) {
        if (expected != actual) {
            failures.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
