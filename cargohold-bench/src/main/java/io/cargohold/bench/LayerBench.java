package io.cargohold.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.Crc64;
import io.cargohold.storage.archive.LayerArchive;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.testkit.images.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Issue 6's benchmark: PutLayer (create + apply) and Diff of the largest layer of the {@code large}
 * test image, through the {@link Store} API, plus lower-level phases that show where the time goes.
 * Used by {@code bench/layers.sh}, which times GNU tar (and upstream's binary) in the same run.
 *
 * <pre>
 * LayerBench pick LAYOUT [GEN_MIB]
 *     generates the large layout in LAYOUT (TestImages.large, GEN_MIB MiB of layer content, default
 *     520) unless LAYOUT/index.json exists, then prints the largest layer of tag latest as
 *     "blob=PATH", "digest=...", "size=...", "diffid=..." lines
 * LayerBench run BLOB DIFFID TAR WORK ROUNDS DROP
 *     BLOB: the compressed layer; TAR: the same layer uncompressed (its sha256 is DIFFID); WORK: an
 *     empty directory for stores and trees; DROP: 1 to drop the page cache (after sync) before every
 *     timed phase. Prints "RESULT KEY ROUND SECONDS BYTES" lines and a readable summary.
 * </pre>
 */
public final class LayerBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LayerBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("pick")) {
            pick(Path.of(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 520);
        } else if (args.length == 7 && args[0].equals("run")) {
            run(Path.of(args[1]), args[2], Path.of(args[3]), Path.of(args[4]), Integer.parseInt(args[5]), args[6].equals("1"));
        } else {
            System.err.println("usage: LayerBench pick LAYOUT [GEN_MIB] | run BLOB DIFFID TAR WORK ROUNDS DROP");
            System.exit(2);
        }
    }

    // ------------------------------------------------------------------ pick

    private static void pick(Path layout, long genMib) throws IOException {
        if (!Files.isRegularFile(layout.resolve("index.json"))) {
            long t0 = System.nanoTime();
            TestImages.large(layout, genMib * 1024 * 1024);
            System.err.printf("generated TestImages.large(%s, %d MiB) in %.1f s%n", layout, genMib, (System.nanoTime() - t0) / 1e9);
        }
        JsonNode index = readBlobJson(layout.resolve("index.json"));
        JsonNode desc = null;
        for (JsonNode m : index.path("manifests")) {
            if ("latest".equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                desc = m;
            }
        }
        if (desc == null) {
            throw new IOException(layout + ": no tag latest in index.json");
        }
        JsonNode manifest = readBlobJson(blob(layout, desc.path("digest").asText()));
        JsonNode config = readBlobJson(blob(layout, manifest.path("config").path("digest").asText()));
        JsonNode layers = manifest.path("layers");
        int best = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (best < 0 || layers.get(i).path("size").asLong() > layers.get(best).path("size").asLong()) {
                best = i;
            }
        }
        JsonNode l = layers.get(best);
        System.out.println("blob=" + blob(layout, l.path("digest").asText()));
        System.out.println("digest=" + l.path("digest").asText());
        System.out.println("size=" + l.path("size").asLong());
        System.out.println("mediatype=" + l.path("mediaType").asText());
        System.out.println("diffid=" + config.path("rootfs").path("diff_ids").get(best).asText());
        System.out.println("index=" + best + "/" + layers.size());
    }

    private static Path blob(Path layout, String digest) {
        int c = digest.indexOf(':');
        return layout.resolve("blobs").resolve(digest.substring(0, c)).resolve(digest.substring(c + 1));
    }

    private static JsonNode readBlobJson(Path p) throws IOException {
        return JSON.readTree(Files.readAllBytes(p));
    }

    // ------------------------------------------------------------------ run

    private record Sample(String key, int round, double seconds, long bytes) {
    }

    private static final List<Sample> SAMPLES = new ArrayList<>();
    private static boolean drop;
    private static Path work;

    private static void run(Path blob, String diffId, Path tar, Path workDir, int rounds, boolean dropCaches) throws Exception {
        work = workDir;
        drop = dropCaches;
        Files.createDirectories(work);
        long tarBytes = Files.size(tar);
        long blobBytes = Files.size(blob);
        System.out.printf("layer: %s (%d bytes compressed), %d bytes uncompressed, diff ID %s; %d rounds, page cache %s%n", blob, blobBytes,
                tarBytes, diffId, rounds, drop ? "dropped before every timed phase" : "warm");
        for (int r = 1; r <= rounds; r++) {
            // (a) PutLayer of the gzip blob into a fresh store; the store stays for the diffs below.
            Path g = work.resolve("g-" + r);
            Path rr = work.resolve("r-" + r);
            Store store = Store.open(StoreOptions.vfs(g, rr));
            settle();
            long t0 = System.nanoTime();
            Layer layer;
            try (InputStream in = Files.newInputStream(blob)) {
                layer = store.createLayer(LayerOptions.of(null), in);
            }
            record("put.gz", r, t0, tarBytes);
            if (!layer.uncompressedDigest().equals(diffId)) {
                throw new IllegalStateException("PutLayer recorded diff ID " + layer.uncompressedDigest() + ", the config says " + diffId);
            }

            // (b) diff, uncompressed, into a counting sink; then into SHA-256 (checked against the diff ID)
            settle();
            CountingSink count = new CountingSink(null);
            t0 = System.nanoTime();
            store.diff(null, layer.id(), Compression.NONE, count);
            record("diff.none", r, t0, count.n);
            settle();
            CountingSink sha = new CountingSink(MessageDigest.getInstance("SHA-256"));
            t0 = System.nanoTime();
            store.diff(null, layer.id(), Compression.NONE, sha);
            record("diff.none.sha", r, t0, sha.n);
            String got = "sha256:" + HexFormat.of().formatHex(sha.md.digest());
            if (!got.equals(diffId)) {
                throw new IllegalStateException("diff has sha256 " + got + " but the layer's diff ID is " + diffId);
            }
            if (r == 1) {
                System.out.println("diff of the layer (uncompressed): " + sha.n + " bytes, " + got + " = the layer's diff ID: OK");
            }

            // (c) diff with gzip (upstream's default for a layer applied from gzip)
            settle();
            CountingSink gz = new CountingSink(null);
            t0 = System.nanoTime();
            store.diff(null, layer.id(), Compression.GZIP, gz);
            record("diff.gzip", r, t0, tarBytes);
            if (r == 1) {
                System.out.println("diff of the layer (gzip, " + Compression.gzipWriter() + "): " + gz.n + " bytes");
            }
            store.close();
            deleteTree(g);
            deleteTree(rr);

            // (a') PutLayer of the uncompressed tar
            store = Store.open(StoreOptions.vfs(g, rr));
            settle();
            t0 = System.nanoTime();
            try (InputStream in = Files.newInputStream(tar)) {
                layer = store.createLayer(LayerOptions.of(null), in);
            }
            record("put.tar", r, t0, tarBytes);
            store.close();
            deleteTree(g);
            deleteTree(rr);

            // Where the time goes: LayerArchive.apply alone (no store record, tar-split to a null sink),
            // without and with syncfs
            Path root = work.resolve("tree");
            Files.createDirectories(root);
            settle();
            t0 = System.nanoTime();
            try (InputStream in = Files.newInputStream(blob)) {
                ApplyResult a = LayerArchive.apply(in, root, OutputStream.nullOutputStream(), ApplyOptions.defaults());
                if (!a.uncompressedDigest().equals(diffId)) {
                    throw new IllegalStateException("apply: diff ID " + a.uncompressedDigest());
                }
            }
            record("apply.gz.nosync", r, t0, tarBytes);
            long t1 = System.nanoTime();
            PosixFs.syncfs(root);
            record("apply.gz.syncfs-only", r, t1, tarBytes);
            deleteTree(root);
            Files.createDirectories(root);
            settle();
            t0 = System.nanoTime();
            try (InputStream in = Files.newInputStream(tar)) {
                LayerArchive.apply(in, root, OutputStream.nullOutputStream(), ApplyOptions.defaults());
            }
            record("apply.tar.nosync", r, t0, tarBytes);
            deleteTree(root);

            // ... and the pieces of the pipeline that do not touch the tree
            settle();
            t0 = System.nanoTime();
            try (InputStream in = new GZIPInputStream(Files.newInputStream(blob), 1 << 16)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            record("gunzip", r, t0, tarBytes);
            settle();
            t0 = System.nanoTime();
            MessageDigest mc = MessageDigest.getInstance("SHA-256");
            MessageDigest mu = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new GZIPInputStream(new java.security.DigestInputStream(Files.newInputStream(blob), mc), 1 << 16)) {
                byte[] b = new byte[1 << 16];
                int k;
                while ((k = in.read(b)) > 0) {
                    mu.update(b, 0, k);
                }
            }
            record("gunzip.sha2x", r, t0, tarBytes);
            settle();
            t0 = System.nanoTime();
            Crc64 crc = new Crc64();
            try (InputStream in = Files.newInputStream(tar)) {
                byte[] b = new byte[1 << 16];
                int k;
                while ((k = in.read(b)) > 0) {
                    crc.update(b, 0, k);
                }
            }
            record("read.crc64", r, t0, tarBytes);
            settle();
            t0 = System.nanoTime();
            try (InputStream in = Files.newInputStream(tar)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            record("read.only", r, t0, tarBytes);
            System.out.printf("round %d done%n", r);
        }
        summary();
    }

    /** Untimed between phases: flush the file system, and drop the page cache when asked. */
    private static void settle() throws IOException {
        PosixFs.syncfs(work);
        if (drop) {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n", StandardCharsets.US_ASCII);
        }
    }

    private static void record(String key, int round, long t0, long bytes) {
        double s = (System.nanoTime() - t0) / 1e9;
        SAMPLES.add(new Sample(key, round, s, bytes));
        System.out.printf("RESULT %s %d %.3f %d%n", key, round, s, bytes);
    }

    private static void summary() {
        List<String> keys = SAMPLES.stream().map(Sample::key).distinct().toList();
        System.out.printf("%-22s %s%n", "phase", "seconds per round; MiB/s of the uncompressed layer (median round)");
        for (String k : keys) {
            List<Sample> s = SAMPLES.stream().filter(x -> x.key.equals(k)).toList();
            double[] v = s.stream().mapToDouble(Sample::seconds).sorted().toArray();
            double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            StringBuilder b = new StringBuilder();
            for (Sample x : s) {
                b.append(String.format("%7.3f", x.seconds));
            }
            System.out.printf("%-22s %s   median %.3f s = %.0f ms, %.0f MiB/s%n", k, b, med, med * 1000, s.get(0).bytes / 1048576.0 / med);
        }
    }

    private static final class CountingSink extends OutputStream {
        final MessageDigest md;
        long n;

        CountingSink(MessageDigest md) {
            this.md = md;
        }

        @Override
        public void write(int b) {
            n++;
            if (md != null) {
                md.update((byte) b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
            if (md != null) {
                md.update(b, off, len);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
