package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cargohold.storage.archive.ParallelGzipOutputStream.Engine;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ParallelGzipOutputStream} with both engines: valid gzip whatever the sizes (empty, shorter
 * than a block, on and around block boundaries, many blocks of mixed data), read back by the JDK and
 * by GNU gzip; the same bytes from one thread and from many; text still compresses, random data is
 * stored. zlib writes one member; libdeflate one member per block. libdeflate is required (Debian's
 * libdeflate0, which .ci/run installs): its tests fail, not skip, without it; the zlib engine (what a
 * system without it gets) is tested everywhere.
 */
class ParallelGzipTest {
    @TempDir
    Path tmp;

    private static final int B = ParallelGzipOutputStream.BLOCK;

    @ParameterizedTest
    @EnumSource(Engine.class)
    void everySizeRoundTripsAndIsTheSameWithOneOrManyThreads(Engine engine) throws Exception {
        Random rnd = new Random(5);
        for (int size : new int[] {0, 1, 100, 32 * 1024, 64 * 1024 + 3, B - 1, B, B + 1, 2 * B, 3 * B + 77_777}) {
            byte[] all = mixed(rnd, size);
            byte[] z1 = gzip(engine, all, 1, 4096);
            byte[] z4 = gzip(engine, all, 4, 100_000);
            assertArrayEquals(z1, z4, "output independent of threads and write sizes, size " + size);
            assertArrayEquals(all, gunzip(z4), "size " + size);
            assertEquals(0x1f, z4[0] & 0xff);
            assertEquals(0x8b, z4[1] & 0xff);
            int blocks = Math.max(1, (size + B - 1) / B);
            assertEquals(engine == Engine.ZLIB ? 1 : blocks, members(z4), "gzip members, size " + size);
        }
    }

    @Test
    void libdeflateIsTheDefaultAndItsAbsenceIsNoError() throws Exception {
        requireLibDeflate();
        assertEquals(Engine.LIBDEFLATE, Engine.best());
        byte[] all = mixed(new Random(3), 2 * B + 5);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (OutputStream out = Compression.GZIP.compress(z)) {
            out.write(all);
        }
        assertEquals(3, members(z.toByteArray()), "diff --gzip writes one member per block with libdeflate");
        assertArrayEquals(all, Compression.GZIP.decompress(new ByteArrayInputStream(z.toByteArray())).readAllBytes());
        // a system without the library: the lookup says so (and the stream falls back to zlib)
        assertNull(LibDeflate.load("libdeflate-not-installed.so.0"));
        assertNotNull(LibDeflate.load(LibDeflate.LIBRARY));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void gnuGzipReadsIt(Engine engine) throws Exception {
        byte[] all = mixed(new Random(7), 5 * B + 12345);
        byte[] z = gzip(engine, all, 2, 65536);
        Path f = tmp.resolve("d.gz");
        Files.write(f, z);
        Tools.ok("gzip", "-t", f.toString());
        Path outFile = tmp.resolve("d");
        Tools.ok("gzip", "-d", "-k", f.toString());
        assertArrayEquals(all, Files.readAllBytes(outFile));
        assertEquals(engine == Engine.ZLIB ? 1 : 6, members(z));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(z))) {
            assertArrayEquals(all, in.readAllBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void textCompressesAndRandomDataIsStored(Engine engine) throws Exception {
        Random rnd = new Random(9);
        byte[] random = new byte[3 * B];
        rnd.nextBytes(random);
        byte[] zr = gzip(engine, random, 2, 1 << 16);
        assertTrue(zr.length < random.length + random.length / 500, "stored, barely larger: " + zr.length);
        byte[] text = "the same line of text, again and again\n".repeat(100_000).getBytes();
        byte[] zt = gzip(engine, text, 2, 1 << 16);
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

    /** Fails without libdeflate: the suite must test it (.ci/run installs libdeflate0). */
    private static void requireLibDeflate() {
        if (!LibDeflate.available()) {
            fail("libdeflate (" + LibDeflate.LIBRARY + ") is not installed or -D" + LibDeflate.PROPERTY
                    + "=false was given; install Debian's libdeflate0 (.ci/run does)");
        }
    }

    /** The number of gzip members in {@code z}: inflate each member's DEFLATE stream, skip its 8-byte trailer. */
    private static int members(byte[] z) throws Exception {
        int count = 0;
        int off = 0;
        while (off < z.length) {
            assertEquals(0x1f, z[off] & 0xff, "member header at " + off);
            assertEquals(0x8b, z[off + 1] & 0xff);
            java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
            try {
                inf.setInput(z, off + 10, z.length - off - 10);
                byte[] sink = new byte[1 << 16];
                while (!inf.finished()) {
                    if (inf.inflate(sink) == 0 && inf.needsInput()) {
                        fail("member truncated at " + off);
                    }
                }
                off = off + 10 + (int) inf.getBytesRead() + 8;
            } finally {
                inf.end();
            }
            count++;
        }
        return count;
    }

    private static byte[] gzip(Engine engine, byte[] all, int threads, int chunk) throws IOException {
        if (engine == Engine.LIBDEFLATE) {
            requireLibDeflate();
        }
        int level = engine == Engine.ZLIB ? ParallelGzipOutputStream.LEVEL : ParallelGzipOutputStream.LIBDEFLATE_LEVEL;
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (OutputStream out = new ParallelGzipOutputStream(z, engine, level, threads)) {
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
