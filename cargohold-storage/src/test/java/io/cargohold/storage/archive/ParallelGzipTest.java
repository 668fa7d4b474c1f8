package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParallelGzipOutputStream}: one valid gzip member whatever the sizes (empty, shorter than a
 * block, on and around block boundaries, many blocks of mixed data), read back by the JDK and by GNU
 * gzip; the same bytes from one thread and from many; text still compresses, random data is stored.
 */
class ParallelGzipTest {
    @TempDir
    Path tmp;

    private static final int B = ParallelGzipOutputStream.BLOCK;

    @Test
    void everySizeRoundTripsAndIsTheSameWithOneOrManyThreads() throws Exception {
        Random rnd = new Random(5);
        for (int size : new int[] {0, 1, 100, 32 * 1024, 64 * 1024 + 3, B - 1, B, B + 1, 2 * B, 3 * B + 77_777}) {
            byte[] all = mixed(rnd, size);
            byte[] z1 = gzip(all, 1, 4096);
            byte[] z4 = gzip(all, 4, 100_000);
            assertArrayEquals(z1, z4, "output independent of threads and write sizes, size " + size);
            assertArrayEquals(all, gunzip(z4), "size " + size);
            assertEquals(0x1f, z4[0] & 0xff);
            assertEquals(0x8b, z4[1] & 0xff);
        }
    }

    @Test
    void gnuGzipReadsItAsOneMember() throws Exception {
        byte[] all = mixed(new Random(7), 5 * B + 12345);
        byte[] z = gzip(all, 2, 65536);
        Path f = tmp.resolve("d.gz");
        Files.write(f, z);
        Tools.ok("gzip", "-t", f.toString());
        Path outFile = tmp.resolve("d");
        Tools.ok("gzip", "-d", "-k", f.toString());
        assertArrayEquals(all, Files.readAllBytes(outFile));
        // one member: GZIPInputStream on exactly the bytes, no trailing member
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(z))) {
            assertArrayEquals(all, in.readAllBytes());
        }
    }

    @Test
    void textCompressesAndRandomDataIsStored() throws Exception {
        Random rnd = new Random(9);
        byte[] random = new byte[3 * B];
        rnd.nextBytes(random);
        byte[] zr = gzip(random, 2, 1 << 16);
        assertTrue(zr.length < random.length + random.length / 500, "stored, barely larger: " + zr.length);
        byte[] text = "the same line of text, again and again\n".repeat(100_000).getBytes();
        byte[] zt = gzip(text, 2, 1 << 16);
        assertTrue(zt.length < text.length / 20, "text still compresses: " + zt.length);
        assertArrayEquals(text, gunzip(zt));
    }

    private static byte[] mixed(Random rnd, int size) {
        byte[] b = new byte[size];
        byte[] line = "a line of text that repeats with a counter ".getBytes();
        for (int off = 0, i = 0; off < size; i++) {
            int n = Math.min(size - off, 1 + rnd.nextInt(200_000));
            if (i % 2 == 0) {
                byte[] r = new byte[n];
                rnd.nextBytes(r);
                System.arraycopy(r, 0, b, off, n);
            } else {
                for (int k = 0; k < n; k++) {
                    b[off + k] = line[(k + i) % line.length];
                }
            }
            off += n;
        }
        return b;
    }

    private static byte[] gzip(byte[] all, int threads, int chunk) throws IOException {
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (OutputStream out = new ParallelGzipOutputStream(z, ParallelGzipOutputStream.LEVEL, threads)) {
            for (int off = 0; off < all.length; off += chunk) {
                out.write(all, off, Math.min(chunk, all.length - off));
            }
        }
        return z.toByteArray();
    }

    private static byte[] gunzip(byte[] z) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(z))) {
            return in.readAllBytes();
        }
    }
}
