package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RawTarTest {
    static List<TarArchiveEntry> read(byte[] tar, Map<String, byte[]> contents) throws IOException {
        List<TarArchiveEntry> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                out.add(e);
                contents.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static String field(byte[] h, RawTar.Field f) {
        return new String(h, f.offset, f.length, StandardCharsets.ISO_8859_1);
    }

    @Test
    void headerBytesAreExactlyAsSet() {
        byte[] h = RawTar.header("a/b", '0').mode(04755).uid(1000).gid(3_000_000).mtime(1_700_000_000L).uname("u").bytes(10);
        assertEquals(512, h.length);
        assertEquals("a/b", field(h, RawTar.Field.NAME).replace("\0", ""));
        assertEquals("0004755\0", field(h, RawTar.Field.MODE));
        assertEquals("0001750\0", field(h, RawTar.Field.UID));
        assertEquals("00000000012\0", field(h, RawTar.Field.SIZE));
        assertEquals("14524770400\0", field(h, RawTar.Field.MTIME));
        assertEquals("ustar\0", field(h, RawTar.Field.MAGIC));
        assertEquals("00", field(h, RawTar.Field.VERSION));
        assertEquals('0', h[156]);
        // 3000000 > 07777777: base-256
        assertEquals((byte) 0x80, h[RawTar.Field.GID.offset]);
        assertEquals(3_000_000, java.nio.ByteBuffer.wrap(h, RawTar.Field.GID.offset + 4, 4).getInt());
        // checksum: %06o NUL space, the sum with the field as spaces
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        assertEquals(String.format("%06o\0 ", sum), field(h, RawTar.Field.CHKSUM));
        byte[] bad = RawTar.header("a/b", '0').mode(04755).uid(1000).gid(3_000_000).mtime(1_700_000_000L).uname("u")
                .corruptChecksum().bytes(10);
        assertEquals(String.format("%06o\0 ", sum - 1), field(bad, RawTar.Field.CHKSUM));

        byte[] gnu = RawTar.header("x", (char) 0xff).gnu().base256(RawTar.Field.SIZE, -1).bytes(5);
        assertEquals("ustar  \0", field(gnu, RawTar.Field.MAGIC) + field(gnu, RawTar.Field.VERSION));
        byte[] minusOne = new byte[12];
        Arrays.fill(minusOne, (byte) 0xff);
        assertArrayEquals(minusOne, Arrays.copyOfRange(gnu, 124, 136), "the size field is not replaced by the content length");
        assertEquals((byte) 0xff, gnu[156], "any typeflag byte");
        byte[] huge = RawTar.header("x", '0').base256(RawTar.Field.SIZE, 1L << 62).bytes(0);
        assertArrayEquals(new byte[] {(byte) 0x80, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(huge, 124, 136));
        byte[] weird = RawTar.header("", '0').name(new byte[] {'/', (byte) 0xff, '.', '.'}).prefix("pre").raw(500, new byte[] {7})
                .octal(RawTar.Field.MODE, 0).bytes();
        assertArrayEquals(new byte[] {'/', (byte) 0xff, '.', '.', 0}, Arrays.copyOf(weird, 5));
        assertEquals("pre", field(weird, RawTar.Field.PREFIX).replace("\0", ""));
        assertEquals(7, weird[500]);
        assertThrows(IllegalArgumentException.class, () -> RawTar.header("x".repeat(101), '0'));
    }

    @Test
    void contentIsPaddedAndTheEndIsExplicit() {
        byte[] t = RawTar.create().file("f", "hello").toByteArray();
        assertEquals(1024, t.length);
        assertArrayEquals("hello".getBytes(), Arrays.copyOfRange(t, 512, 517));
        byte[] ended = RawTar.create().file("f", "hello").end().padTo(10240).raw("garbage".getBytes()).toByteArray();
        assertEquals(10240 + 7, ended.length);
        assertArrayEquals(new byte[10240 - 1024], Arrays.copyOfRange(ended, 1024, 10240));
        byte[] lying = RawTar.create().entry(RawTar.header("l", '0').size(4096), new byte[3]).toByteArray();
        assertEquals(1024, lying.length, "content as given, padded to 512, whatever the header says");
    }

    @Test
    void tarReadersSeeWhatWasWritten() throws IOException {
        Map<String, String> pax = new LinkedHashMap<>();
        pax.put("path", "pax/" + "p".repeat(150));
        pax.put("linkpath", "t".repeat(120));
        pax.put("mtime", "946684799.123456789");
        pax.put("SCHILY.xattr.security.capability", "cap");
        pax.put("uid", "3000000");
        byte[] tar = RawTar.create()
                .globalPax(Map.of("comment", "global"))
                .dir("d/")
                .file("d/f", "content")
                .symlink("d/s", "../target")
                .hardlink("d/h", "d/f")
                .pax(pax).entry(RawTar.header("ignored", '2').mode(0777))
                .gnuLongName("gnu/" + "n".repeat(200)).gnuLongLink("k".repeat(150)).entry(RawTar.header("short", '1').gnu())
                .entry(RawTar.header("name", '0').prefix("the/prefix"), "p".getBytes())
                .entry(RawTar.header("big", '0').base256(RawTar.Field.UID, 100_000_000), new byte[0])
                .end().padTo(10240).toByteArray();
        Map<String, byte[]> c = new LinkedHashMap<>();
        List<TarArchiveEntry> es = read(tar, c);
        assertEquals(List.of("d/", "d/f", "d/s", "d/h", "pax/" + "p".repeat(150), "gnu/" + "n".repeat(200), "the/prefix/name", "big"),
                es.stream().map(TarArchiveEntry::getName).toList());
        assertEquals("content", new String(c.get("d/f")));
        assertEquals("../target", es.get(2).getLinkName());
        assertTrue(es.get(3).isLink());
        TarArchiveEntry p = es.get(4);
        assertTrue(p.isSymbolicLink());
        assertEquals("t".repeat(120), p.getLinkName());
        assertEquals(java.time.Instant.ofEpochSecond(946684799, 123456789), p.getLastModifiedTime().toInstant());
        assertEquals("cap", p.getExtraPaxHeaders().get("SCHILY.xattr.security.capability"));
        assertEquals(3_000_000, p.getLongUserId());
        assertEquals("k".repeat(150), es.get(5).getLinkName());
        assertEquals(100_000_000, es.get(7).getLongUserId()); // (commons-compress 1.28 truncates base-256 ids to 32 bits)
    }

    @Test
    void aCorruptChecksumIsNotAValidHeader() throws IOException {
        byte[] tar = RawTar.create().file("ok", "1").entry(RawTar.header("f", '0').corruptChecksum(), "x".getBytes()).end()
                .toByteArray();
        // commons-compress 1.28 returns such an entry and only flags it (Go's archive/tar fails with
        // "invalid tar header"): an extractor built on commons-compress must check isCheckSumOK() itself
        List<TarArchiveEntry> es = read(tar, new LinkedHashMap<>());
        assertEquals(List.of("ok", "f"), es.stream().map(TarArchiveEntry::getName).toList());
        assertTrue(es.get(0).isCheckSumOK());
        assertFalse(es.get(1).isCheckSumOK());
    }

    static List<RawTar.Region> regions(int n) {
        List<RawTar.Region> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(new RawTar.Region(i * 10_000L + 3, ("region " + i + ";").repeat(i + 1).getBytes()));
        }
        return r;
    }

    @ParameterizedTest
    @EnumSource(RawTar.SparseFormat.class)
    void sparseFilesReadBackWithTheirHoles(RawTar.SparseFormat f) throws IOException {
        for (int n : new int[] {0, 1, 4, 5, 25, 26, 60}) { // old GNU: 4 in the header, 21 per extension block
            List<RawTar.Region> regions = regions(n);
            long size = n * 10_000L + 777;
            byte[] tar = RawTar.create().sparse(f, RawTar.header("dir/sparse", '0').mode(0600), size, regions).file("after", "a")
                    .end().toByteArray();
            Map<String, byte[]> c = new LinkedHashMap<>();
            List<TarArchiveEntry> es;
            try {
                es = read(tar, c);
            } catch (IOException e) {
                throw new AssertionError(f + " " + n, e);
            }
            assertEquals(List.of("dir/sparse", "after"), es.stream().map(TarArchiveEntry::getName).toList(), f + " " + n);
            assertEquals(size, es.get(0).getRealSize());
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            Content.sparse(size, regions).writeTo(expected);
            assertArrayEquals(expected.toByteArray(), c.get("dir/sparse"), f + " " + n);
            assertEquals("a", new String(c.get("after")));
        }
    }

    @Test
    void paxRecordLengthsCountThemselves() {
        assertEquals("6 a=b\n", new String(RawTar.paxRecord("a", "b".getBytes())));
        assertEquals("9 k=xxxx\n", new String(RawTar.paxRecord("k", "xxxx".getBytes())));
        assertEquals("11 k=xxxxx\n", new String(RawTar.paxRecord("k", "xxxxx".getBytes())), "10 would be wrong: 2 digits");
        for (int len = 0; len < 300; len++) {
            String r = new String(RawTar.paxRecord("key", "v".repeat(len).getBytes()));
            assertEquals(Integer.parseInt(r.substring(0, r.indexOf(' '))), r.length(), r);
        }
    }
}
