package io.cargohold.bench;

import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Issue 4: the fallback image of {@code bench/import-export.sh} when the shared
 * {@code make-test-images} tool is not available. Writes an OCI layout with tag {@code latest} through
 * {@link TestImages#large(Path, long)} (four gzip layers, level 1: ~60 % incompressible data, ~25 %
 * mixed, ~15 % small text files), and prints what it wrote.
 *
 * <pre>java -cp … io.cargohold.bench.MakeLargeImage DIR MIB [SEED]</pre>
 *
 * {@code MIB} is the uncompressed layer content in MiB; DIR must not hold a layout yet.
 */
public final class MakeLargeImage {
    private MakeLargeImage() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: MakeLargeImage DIR MIB [SEED]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        long mib = Long.parseLong(args[1]);
        long seed = args.length == 3 ? Long.parseLong(args[2]) : TestImages.DEFAULT_SEED;
        long t0 = System.nanoTime();
        WrittenLayout w = TestImages.large(dir, mib * 1024 * 1024, seed,
                io.cargohold.testkit.images.Compression.GZIP, 1);
        double s = (System.nanoTime() - t0) / 1e9;
        long bytes = 0;
        for (Map.Entry<String, Long> e : w.blobs().entrySet()) {
            bytes += e.getValue();
        }
        if (!Files.isRegularFile(dir.resolve("index.json"))) {
            throw new IllegalStateException("no index.json written in " + dir);
        }
        System.out.printf("MakeLargeImage: %s: tag latest = %s, %d blobs, %d bytes (%.1f MiB) of blobs from %d MiB of layer content, %.1f s%n",
                dir, w.ref("latest").digest(), w.blobs().size(), bytes, bytes / 1048576.0, mib, s);
    }
}
