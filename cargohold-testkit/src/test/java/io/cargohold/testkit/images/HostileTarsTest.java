package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HostileTarsTest {
    @ParameterizedTest
    @EnumSource(HostileTars.Case.class)
    void eachCaseIsWhatItSays(HostileTars.Case c, @TempDir Path tmp) throws IOException {
        HostileTars.Sandbox s = HostileTars.Sandbox.create(tmp);
        HostileTars.Hostile h = c.build(s);
        assertFalse(c.description().isBlank());
        assertEquals(c, h.kind());
        s.assertUntouched();
        h.assertSafe(s); // nothing extracted yet
        for (Path p : h.mustNotExist()) {
            assertFalse(p.startsWith(s.root()), p + " is outside the root");
            assertTrue(p.startsWith(s.base()), p + " is inside the sandbox");
        }
        Map<String, byte[]> contents = new LinkedHashMap<>();
        if (c == HostileTars.Case.TRUNCATED_HEADER) {
            // commons-compress 1.28 silently takes a cut header for the end of the archive (Go's
            // archive/tar fails): an extractor on commons-compress must detect it itself
            assertEquals(List.of("good"), RawTarTest.read(h.tar(), contents).stream().map(TarArchiveEntry::getName).toList());
        } else if (c == HostileTars.Case.BAD_CHECKSUM) {
            // commons-compress 1.28 returns the entry, flagged: the extractor must check isCheckSumOK()
            assertFalse(RawTarTest.read(h.tar(), contents).get(0).isCheckSumOK());
        } else if (c.outcome() == HostileTars.Outcome.MUST_FAIL) {
            assertThrows(IOException.class, () -> RawTarTest.read(h.tar(), contents), "commons-compress rejects " + c);
        } else {
            List<TarArchiveEntry> es = RawTarTest.read(h.tar(), contents);
            assertFalse(es.isEmpty());
            assertEquals(0, h.tar().length % 10240);
        }
        assertArrayEquals(h.tar(), new GZIPInputStream(new ByteArrayInputStream(h.gzip())).readAllBytes());
        assertArrayEquals(h.tar(), new ZstdInputStream(new ByteArrayInputStream(h.zstd())).readAllBytes());
    }

    @Test
    void namesAimAtTheSandbox(@TempDir Path tmp) throws IOException {
        HostileTars.Sandbox s = HostileTars.Sandbox.create(tmp);
        List<TarArchiveEntry> es = RawTarTest.read(HostileTars.Case.SYMLINK_ESCAPE_THEN_WRITE.build(s).tar(), new LinkedHashMap<>());
        assertEquals("evil", es.get(0).getName());
        String target = es.get(0).getLinkName();
        assertTrue(target.startsWith("../../../../"), target);
        assertEquals(s.outside(), s.root().resolve(target).normalize(), "the target resolves to outside");
        assertEquals("evil/x", es.get(1).getName());
        List<TarArchiveEntry> abs = RawTarTest.read(HostileTars.Case.ABSOLUTE_NAME.build(s).tar(), new LinkedHashMap<>());
        assertEquals(s.outside().resolve("abs-name").toString(), abs.get(0).getName());
        List<TarArchiveEntry> pax = RawTarTest.read(HostileTars.Case.PAX_PATH_DOTDOT.build(s).tar(), new LinkedHashMap<>());
        assertEquals("../escape-pax", pax.get(0).getName());
        Map<String, byte[]> dup = new LinkedHashMap<>();
        List<TarArchiveEntry> d = RawTarTest.read(HostileTars.Case.DUPLICATE_PATH.build(s).tar(), dup);
        assertEquals(List.of("dup", "dup"), d.stream().map(TarArchiveEntry::getName).toList());
    }

    /** A naive extractor (follows symlinks, trusts names) trips the checks: they catch real escapes. */
    @Test
    void theChecksCatchANaiveExtractor(@TempDir Path tmp) throws IOException {
        for (HostileTars.Case c : List.of(HostileTars.Case.SYMLINK_ESCAPE_THEN_WRITE, HostileTars.Case.DOTDOT_NAME,
                HostileTars.Case.HARDLINK_ESCAPE, HostileTars.Case.DIR_REPLACED_BY_SYMLINK)) {
            HostileTars.Sandbox s = HostileTars.Sandbox.create(tmp.resolve(c.name()));
            HostileTars.Hostile h = c.build(s);
            naiveExtract(h.tar(), s.root());
            assertThrows(AssertionError.class, () -> h.assertSafe(s), c.toString());
        }
    }

    private static void naiveExtract(byte[] tar, Path root) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                Path p = root.resolve(e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else if (e.isSymbolicLink()) {
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        try (var w = Files.walk(p)) {
                            for (Path x : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                                Files.delete(x);
                            }
                        }
                    }
                    Files.createSymbolicLink(p, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Files.createLink(p, root.resolve(e.getLinkName()));
                } else {
                    Files.write(p, in.readAllBytes());
                }
            }
        }
    }

    @Test
    void bombsDecompressToOneEntryOfZeros(@TempDir Path tmp) throws IOException {
        for (long size : new long[] {0, 1, 3 * (1L << 20) + 5, 130L << 20}) {
            HostileTars.Bomb g = HostileTars.gzipBomb(tmp.resolve("b.tar.gz"), size);
            check(g, new GZIPInputStream(Files.newInputStream(g.file()), 1 << 16));
            HostileTars.Bomb z = HostileTars.zstdBomb(tmp.resolve("b.tar.zst"), size);
            check(z, new ZstdInputStream(Files.newInputStream(z.file())));
        }
    }

    private static void check(HostileTars.Bomb b, InputStream decompressed) throws IOException {
        try (CountingStream in = new CountingStream(new BufferedInputStream(decompressed, 1 << 16));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e = tar.getNextEntry();
            assertEquals("bomb", e.getName());
            assertEquals(b.entrySize(), e.getSize());
            byte[] buf = new byte[1 << 16];
            long n = 0;
            for (int r; (r = tar.read(buf)) > 0; n += r) {
                for (int i = 0; i < r; i++) {
                    if (buf[i] != 0) {
                        throw new AssertionError("non-zero byte at " + (n + i));
                    }
                }
            }
            assertEquals(b.entrySize(), n);
            assertEquals(null, tar.getNextEntry());
            in.transferTo(java.io.OutputStream.nullOutputStream());
            assertEquals(b.uncompressedSize(), in.count, "the tar ends with its end marker, padded to 10240");
            assertEquals(0, b.uncompressedSize() % 10240);
            assertEquals(Files.size(b.file()), b.compressedSize());
        }
    }

    @Test
    void defaultBombsAreSmallAndQuickToMake(@TempDir Path tmp) throws IOException {
        long t = System.nanoTime();
        HostileTars.Bomb g = HostileTars.gzipBomb(tmp.resolve("b.tar.gz"), HostileTars.DEFAULT_BOMB_SIZE);
        HostileTars.Bomb z = HostileTars.zstdBomb(tmp.resolve("b.tar.zst"), HostileTars.DEFAULT_BOMB_SIZE);
        long ms = (System.nanoTime() - t) / 1_000_000;
        assertTrue(g.compressedSize() < 3 << 20 && g.ratio() > 900, g.toString());
        assertTrue(z.compressedSize() < 200 << 10 && z.ratio() > 20_000, z.toString());
        assertTrue(ms < 30_000, ms + " ms");
        // the header is right, read without inflating everything
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(g.file())))) {
            assertEquals(2L << 30, tar.getNextEntry().getSize());
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ZstdInputStream(Files.newInputStream(z.file())))) {
            assertEquals(2L << 30, tar.getNextEntry().getSize());
        }
    }

    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }
}
