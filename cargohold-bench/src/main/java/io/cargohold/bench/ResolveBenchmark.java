package io.cargohold.bench;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.internal.BenchmarkHooks;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestPrefix;
import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 3: {@link BlobStore#resolve} of partial digests against an index of a million rows.
 *
 * <p>The setup opens a fresh store in a temp directory (fsync off) and inserts {@link #rows} index
 * rows for random sha256 digests, without blob files, through {@link BenchmarkHooks} in one
 * transaction; it prints how long that insert took. Each benchmark then cycles through
 * {@value #TARGETS} target digests picked at random among the rows (so the measurement does not
 * walk one B-tree path only), each resolved as:
 * <ul>
 *   <li>{@link #uniquePrefix12}: {@code sha256:} plus 12 hex digits that only that digest starts with</li>
 *   <li>{@link #fullDigest}: the whole digest ({@code sha256:} plus 64 hex digits)</li>
 *   <li>{@link #bareHexPrefix12}: the same 12 hex digits without the algorithm (so both sha256 and
 *       sha512 are searched)</li>
 *   <li>{@link #ambiguousPrefix3}: {@code sha256:} plus the first 3 hex digits (about rows/4096
 *       matches), which fails with {@link InvalidArgumentException}; measured is the time until
 *       that exception, message naming the candidates included, is thrown</li>
 * </ul>
 * The prefixes are parsed in the setup, so parsing is not measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ResolveBenchmark {
    static final int TARGETS = 1024;
    private static final long SEED = 20_261_123L;

    /** Index rows inserted by the setup. */
    @Param("1000000")
    public int rows;

    private Path dir;
    private BlobStore store;
    private Digest[] targets;
    private DigestPrefix[] unique12;
    private DigestPrefix[] full;
    private DigestPrefix[] bare12;
    private DigestPrefix[] ambiguous3;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("cargohold-resolve-bench");
        store = BlobStores.open(dir.resolve("store"), StoreOptions.defaults().withFsync(false));

        SplittableRandom random = new SplittableRandom(SEED);
        HexFormat hex = HexFormat.of();
        Instant added = Instant.parse("2026-01-01T00:00:00Z");
        List<BlobInfo> infos = new ArrayList<>(rows);
        byte[] raw = new byte[32];
        for (int i = 0; i < rows; i++) {
            random.nextBytes(raw);
            infos.add(new BlobInfo(new Digest(DigestAlgorithm.SHA256, hex.formatHex(raw)),
                    random.nextLong(1, 1L << 30), "application/octet-stream", added));
        }
        long t0 = System.nanoTime();
        BenchmarkHooks.insertIndexRowsWithoutBlobs(store, infos);
        long t1 = System.nanoTime();
        long indexed = store.stats().blobs();
        System.out.printf("%n[setup] inserted %,d index rows (random order, one transaction, fsync off) in %.2f s"
                + " (%,.0f rows/s); the index holds %,d rows%n", rows, (t1 - t0) / 1e9, rows / ((t1 - t0) / 1e9), indexed);

        String[] sorted = infos.stream().map(b -> b.digest().hex()).sorted().toArray(String[]::new);
        infos = null;
        targets = new Digest[TARGETS];
        unique12 = new DigestPrefix[TARGETS];
        full = new DigestPrefix[TARGETS];
        bare12 = new DigestPrefix[TARGETS];
        ambiguous3 = new DigestPrefix[TARGETS];
        int found = 0;
        while (found < TARGETS) {
            int i = random.nextInt(sorted.length);
            String h = sorted[i];
            String p12 = h.substring(0, 12);
            boolean unique = (i == 0 || !sorted[i - 1].startsWith(p12)) && (i == sorted.length - 1 || !sorted[i + 1].startsWith(p12));
            if (!unique || Arrays.asList(targets).contains(new Digest(DigestAlgorithm.SHA256, h))) {
                continue;
            }
            targets[found] = new Digest(DigestAlgorithm.SHA256, h);
            unique12[found] = DigestPrefix.parse("sha256:" + p12);
            full[found] = DigestPrefix.parse("sha256:" + h);
            bare12[found] = DigestPrefix.parse(p12);
            ambiguous3[found] = DigestPrefix.parse("sha256:" + h.substring(0, 3));
            found++;
        }
        check();
    }

    /** Checks once that every target resolves as the benchmarks assume (not measured). */
    private void check() throws IOException {
        for (int i = 0; i < TARGETS; i++) {
            for (DigestPrefix p : new DigestPrefix[] {unique12[i], full[i], bare12[i]}) {
                Digest d = store.resolve(p);
                if (!d.equals(targets[i])) {
                    throw new IllegalStateException(p + " resolved to " + d + ", expected " + targets[i]);
                }
            }
            try {
                store.resolve(ambiguous3[i]);
                throw new IllegalStateException(ambiguous3[i] + " resolved; expected it to be ambiguous");
            } catch (InvalidArgumentException expected) {
                // as it should be
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private int nextTarget() {
        int i = next;
        next = (i + 1) & (TARGETS - 1);
        return i;
    }

    @Benchmark
    public Digest uniquePrefix12() throws IOException {
        return store.resolve(unique12[nextTarget()]);
    }

    @Benchmark
    public Digest fullDigest() throws IOException {
        return store.resolve(full[nextTarget()]);
    }

    @Benchmark
    public Digest bareHexPrefix12() throws IOException {
        return store.resolve(bare12[nextTarget()]);
    }

    @Benchmark
    public InvalidArgumentException ambiguousPrefix3() throws IOException {
        DigestPrefix p = ambiguous3[nextTarget()];
        try {
            store.resolve(p);
        } catch (InvalidArgumentException e) {
            return e;
        }
        throw new IllegalStateException(p + " resolved; expected it to be ambiguous");
    }
}
