package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerBuilderTest {
    private static final String LONG_NAME = "x".repeat(150) + ".txt";
    private static final String LONG_TARGET = "../".repeat(10) + "y".repeat(120);

    private static LayerBuilder everyKind() {
        return LayerBuilder.create()
                .dir("usr").dir("usr/bin")
                .randomFile("usr/bin/tool", 10_000, 7).mode(04755)
                .hardlink("usr/bin/a-link", "usr/bin/tool")        // sorts before its target
                .symlink("bin", "usr/bin")
                .symlink("usr/bin/long", LONG_TARGET)
                .dir("tmp", 01777)
                .file("etc/shadow", "x\n").mode(0640).owner(0, 42).names("root", "shadow")
                .file("srv/big-ids", "pax\n").owner(3_000_000, 2_100_000)
                .file("srv/nsec", "t\n").mtime(Instant.ofEpochSecond(946_684_799L, 123_456_789))
                .file("srv/old", "t\n").mtime(0)
                .file("srv/tagged", "x").xattr("user.b", "2").xattr("user.a", "1")
                .fifo("srv/fifo")
                .file("srv/" + LONG_NAME, "long\n")
                .file("srv/caf\u00e9", "nfc").file("srv/cafe\u0301", "nfd").file("srv/-dash and space", "odd")
                .whiteout("opt/gone.txt")
                .opaque("opt/plugins")
                .file("opt/plugins/new", "n");
    }

    private static List<TarArchiveEntry> read(byte[] tar, Map<String, byte[]> contents) throws IOException {
        List<TarArchiveEntry> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                out.add(e);
                if (contents != null) {
                    contents.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    private static TarArchiveEntry named(List<TarArchiveEntry> es, String name) {
        return es.stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no " + name));
    }

    @Test
    void writesEveryEntryKindReadableByATarReader() throws IOException {
        Layer layer = everyKind().build();
        Map<String, byte[]> contents = new LinkedHashMap<>();
        List<TarArchiveEntry> es = read(layer.tar().bytes(), contents);
        assertEquals(layer.entries().size(), es.size());

        assertTrue(named(es, "usr/").isDirectory());
        assertEquals(01777, named(es, "tmp/").getMode());
        TarArchiveEntry tool = named(es, "usr/bin/tool");
        assertEquals(04755, tool.getMode());
        assertEquals(10_000, contents.get("usr/bin/tool").length);
        assertArrayEquals(bytes(Content.random(10_000, 7)), contents.get("usr/bin/tool"));
        TarArchiveEntry link = named(es, "usr/bin/a-link");
        assertTrue(link.isLink());
        assertEquals("usr/bin/tool", link.getLinkName());
        assertTrue(named(es, "bin").isSymbolicLink());
        assertEquals("usr/bin", named(es, "bin").getLinkName());
        assertEquals(LONG_TARGET, named(es, "usr/bin/long").getLinkName(), "PAX linkpath");
        TarArchiveEntry shadow = named(es, "etc/shadow");
        assertEquals(0640, shadow.getMode());
        assertEquals(42, shadow.getLongGroupId());
        assertEquals("root", shadow.getUserName());
        assertEquals("shadow", shadow.getGroupName());
        TarArchiveEntry big = named(es, "srv/big-ids");
        assertEquals(3_000_000, big.getLongUserId());
        assertEquals(2_100_000, big.getLongGroupId());
        assertEquals(Instant.ofEpochSecond(946_684_799L, 123_456_700), named(es, "srv/nsec").getLastModifiedTime().toInstant(),
                "sub-second mtime in PAX, 100 ns precision");
        assertEquals(Instant.EPOCH, named(es, "srv/old").getLastModifiedTime().toInstant());
        assertEquals(LayerBuilder.DEFAULT_MTIME, tool.getLastModifiedTime().toInstant());
        Map<String, String> pax = named(es, "srv/tagged").getExtraPaxHeaders();
        assertEquals("1", pax.get("SCHILY.xattr.user.a"));
        assertEquals("2", pax.get("SCHILY.xattr.user.b"));
        assertTrue(named(es, "srv/fifo").isFIFO());
        assertEquals("long\n", new String(contents.get("srv/" + LONG_NAME)));
        assertEquals("nfc", new String(contents.get("srv/caf\u00e9")));
        assertEquals("nfd", new String(contents.get("srv/cafe\u0301")), "NFD name kept apart from NFC");
        assertTrue(contents.containsKey("srv/-dash and space"));
        assertEquals(0, contents.get("opt/.wh.gone.txt").length);
        assertEquals(0, contents.get("opt/plugins/.wh..wh..opq").length);
        for (TarArchiveEntry e : es) {
            if (!e.getName().equals("etc/shadow")) {
                assertEquals("", e.getUserName(), "no user name leaks in (commons-compress defaults to user.name)");
            }
        }
    }

    @Test
    void sortsByPathWithWhiteoutsFirstAndHardLinksAfterTheirTarget() throws IOException {
        List<String> names = read(everyKind().build().tar().bytes(), null).stream().map(TarArchiveEntry::getName).toList();
        assertEquals(List.of("bin", "etc/shadow", "opt/.wh.gone.txt", "opt/plugins/.wh..wh..opq", "opt/plugins/new",
                "srv/-dash and space", "srv/big-ids", "srv/cafe\u0301", "srv/caf\u00e9", "srv/fifo", "srv/nsec", "srv/old",
                "srv/tagged", "srv/" + LONG_NAME, "tmp/", "usr/", "usr/bin/", "usr/bin/long", "usr/bin/tool",
                "usr/bin/a-link"), names);
        // (UTF-8 byte order: NFD "cafe\u0301" is 'e' 0x65 where NFC has 0xC3)
        // a directory comes right before its contents, before siblings that sort after its name's prefix
        List<String> dirs = LayerBuilder.create().file("a-b", "").dir("a").file("a/z", "").file("a.txt", "").build()
                .entries().stream().map(TarEntry::path).toList();
        assertEquals(List.of("a", "a/z", "a-b", "a.txt"), dirs);
        // a chain of hard links, all before their target, each written after what it links to
        List<String> chain = LayerBuilder.create().hardlink("a", "b").hardlink("b", "c").file("c", "x").build()
                .entries().stream().map(TarEntry::path).toList();
        assertEquals(List.of("c", "b", "a"), chain);
    }

    @Test
    void preserveOrderWritesCallOrder() throws IOException {
        Layer l = LayerBuilder.create().preserveOrder().file("z", "1").hardlink("a", "z").dir("m").build();
        assertEquals(List.of("z", "a", "m/"), read(l.tar().bytes(), null).stream().map(TarArchiveEntry::getName).toList());
    }

    @Test
    void dirsAddsMissingParentsOnceAndAttributesApplyToTheLast() {
        List<TarEntry> es = LayerBuilder.create().dir("a").dirs("a/b/c").owner(5, 6).dirs("a/b").mode(0700).build().entries();
        assertEquals(List.of("a", "a/b", "a/b/c"), es.stream().map(TarEntry::path).toList());
        assertEquals(0700, es.get(1).mode());
        assertEquals(5, es.get(2).uid());
    }

    @Test
    void diffIdIsTheSha256OfTheTarAndTheTarIsWellFormed() throws IOException {
        Layer l = everyKind().build();
        byte[] tar = l.tar().bytes();
        assertEquals(LayoutCheck.sha256(tar), l.diffId());
        assertEquals(tar.length, l.tar().size());
        assertEquals(0, tar.length % 10240, "padded to 10240-byte records like GNU tar");
        Layer empty = LayerBuilder.create().build();
        assertEquals(10240, empty.tar().size());
        assertArrayEquals(new byte[10240], empty.tar().bytes());
    }

    @Test
    void compressedVariantsDecompressToTheTar() throws IOException {
        Layer l = everyKind().build();
        byte[] tar = l.tar().bytes();
        Blob gz = l.blob(Compression.GZIP);
        Blob zst = l.blob(Compression.ZSTD);
        assertArrayEquals(tar, readAll(new GZIPInputStream(gz.open())));
        assertArrayEquals(tar, readAll(new ZstdInputStream(zst.open())));
        assertEquals(LayoutCheck.sha256(gz.bytes()), gz.digest());
        assertEquals(gz.bytes().length, gz.size());
        assertEquals(LayoutCheck.sha256(zst.bytes()), zst.digest());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, l.descriptor(Compression.GZIP).mediaType());
        assertEquals(MediaTypes.OCI_LAYER_ZSTD, l.descriptor(Compression.ZSTD).mediaType());
        assertEquals(new Descriptor(MediaTypes.OCI_LAYER, l.diffId(), tar.length), l.descriptor(Compression.NONE));
        assertTrue(gz == l.blob(Compression.GZIP), "variants are made once");
        assertNotEquals(gz.digest(), l.blob(Compression.GZIP, 1).digest());
    }

    @Test
    void spooledLayerIsTheSameAsInMemory(@TempDir Path dir) throws IOException {
        Layer mem = everyKind().build();
        Layer file = everyKind().build(dir.resolve("spool"));
        assertEquals(mem.diffId(), file.diffId());
        assertTrue(file.tar().file().isPresent());
        assertEquals(Files.size(file.tar().file().orElseThrow()), file.tar().size());
        for (Compression c : Compression.values()) {
            assertEquals(mem.blob(c).digest(), file.blob(c).digest(), c.toString());
            assertEquals(mem.blob(c).size(), file.blob(c).size(), c.toString());
            assertEquals(file.blob(c).digest(), "sha256:" + LayoutCheck.sha256(file.blob(c).file().orElseThrow()));
        }
    }

    @Test
    void outputDependsOnlyOnTheCalls() throws IOException {
        String before = System.getProperty("user.name");
        Layer a = everyKind().build();
        try {
            System.setProperty("user.name", "someone-else");
            Layer b = everyKind().build();
            assertArrayEquals(a.tar().bytes(), b.tar().bytes());
            assertEquals(a.blob(Compression.GZIP).digest(), b.blob(Compression.GZIP).digest());
            assertEquals(a.blob(Compression.ZSTD).digest(), b.blob(Compression.ZSTD).digest());
        } finally {
            System.setProperty("user.name", before);
        }
    }

    @Test
    void generatedContentHasItsSizeAndDependsOnItsSeed() throws IOException {
        for (long size : new long[] {0, 1, 7, 8, 9, 65_536, 65_537, 200_003}) {
            assertEquals(size, bytes(Content.random(size, 1)).length);
            assertEquals(size, bytes(Content.text(size, 1)).length);
            assertEquals(size, bytes(Content.zeros(size)).length);
        }
        byte[] r = bytes(Content.random(100_000, 1));
        assertArrayEquals(r, bytes(Content.random(100_000, 1)));
        assertNotEquals(LayoutCheck.sha256(r), LayoutCheck.sha256(bytes(Content.random(100_000, 2))));
        // a prefix of a longer stream: sizes do not change what comes first
        byte[] longer = bytes(Content.random(100_008, 1));
        assertArrayEquals(r, java.util.Arrays.copyOf(longer, r.length));
        String text = new String(bytes(Content.text(5_000, 3)), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(text.contains(" ") && text.contains("\n"), text);
    }

    @Test
    void rejectsModesBeyondPermissionBitsAndAttributesWithoutEntry() {
        assertThrows(IllegalArgumentException.class, () -> LayerBuilder.create().file("f", "").mode(0100644));
        assertThrows(IllegalStateException.class, () -> LayerBuilder.create().mode(0644));
        assertThrows(IllegalArgumentException.class, () -> LayerBuilder.create().file("/", ""));
    }

    private static byte[] bytes(Content c) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        c.writeTo(out);
        return out.toByteArray();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
