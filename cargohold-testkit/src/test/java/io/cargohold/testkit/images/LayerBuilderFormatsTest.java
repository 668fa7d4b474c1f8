package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.fs.TreeSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LayerBuilder.Format#GNU} and sparse files (written by {@link RawTar}). */
class LayerBuilderFormatsTest {
    private static final String LONG_NAME = "srv/" + "x".repeat(150) + ".txt";
    private static final String LONG_TARGET = "../".repeat(10) + "y".repeat(120);

    static List<RawTar.Region> regions() {
        List<RawTar.Region> r = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // more than fit in an old GNU header and its first extension block
            r.add(new RawTar.Region(i * 100_000L + 7, ("region" + i).repeat(50).getBytes()));
        }
        return r;
    }

    /** Entries every format can carry (no xattrs, whole-second mtimes). */
    static LayerBuilder common(LayerBuilder.Format f) {
        return LayerBuilder.create().format(f)
                .dir("usr").dir("usr/bin")
                .randomFile("usr/bin/tool", 10_000, 7).mode(04755)
                .hardlink("usr/bin/a-link", "usr/bin/tool")
                .hardlink("usr/bin/" + "h".repeat(150), "usr/bin/tool")
                .symlink("bin", "usr/bin")
                .symlink("usr/bin/long", LONG_TARGET)
                .dir("tmp", 01777)
                .dir("srv")
                .file(LONG_NAME, "long\n")
                .dir("srv/" + "d".repeat(120))
                .file("srv/big-ids", "ids").owner(3_000_000, 2_100_000)
                .file("srv/caf\u00e9", "nfc")
                .fifo("srv/fifo")
                .file("srv/old", "t").mtime(0);
    }

    static LayerBuilder withSparse(LayerBuilder.Format f) {
        return common(f)
                .sparseFile("srv/sparse", 3_000_000, regions())
                .sparseFile("srv/sparse-tail-hole", 1 << 20, List.of(new RawTar.Region(4096, "abc".getBytes())))
                .sparseFile("srv/sparse-all-hole", 12_345, List.of())
                .sparseFile("srv/" + "s".repeat(140), 5000,
                        List.of(new RawTar.Region(0, "head".getBytes()), new RawTar.Region(4996, "tail".getBytes())));
    }

    private static byte[] bytes(Content c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.writeTo(out);
        return out.toByteArray();
    }

    @Test
    void gnuAndPaxLayersReadBackTheSame() throws IOException {
        Layer gnu = withSparse(LayerBuilder.Format.GNU).build();
        Layer pax = withSparse(LayerBuilder.Format.PAX).build();
        Map<String, byte[]> gc = new LinkedHashMap<>();
        Map<String, byte[]> pc = new LinkedHashMap<>();
        List<TarArchiveEntry> ge = RawTarTest.read(gnu.tar().bytes(), gc);
        List<TarArchiveEntry> pe = RawTarTest.read(pax.tar().bytes(), pc);
        assertEquals(pe.stream().map(TarArchiveEntry::getName).toList(), ge.stream().map(TarArchiveEntry::getName).toList());
        assertEquals(pc.keySet(), gc.keySet());
        for (String k : pc.keySet()) {
            assertArrayEquals(pc.get(k), gc.get(k), k);
        }
        for (int i = 0; i < ge.size(); i++) {
            TarArchiveEntry g = ge.get(i);
            TarArchiveEntry p = pe.get(i);
            assertEquals(p.getMode(), g.getMode(), g.getName());
            assertEquals(p.getLinkName(), g.getLinkName(), g.getName());
            assertEquals(p.getLongUserId(), g.getLongUserId(), g.getName());
            assertEquals(p.getLongGroupId(), g.getLongGroupId(), g.getName());
            assertEquals(p.getLastModifiedTime(), g.getLastModifiedTime(), g.getName());
            assertEquals(p.getRealSize(), g.getRealSize(), g.getName());
        }
        assertArrayEquals(bytes(Content.sparse(3_000_000, regions())), gc.get("srv/sparse"));
        assertEquals(1 << 20, gc.get("srv/sparse-tail-hole").length);
        assertArrayEquals(new byte[12_345], gc.get("srv/sparse-all-hole"));
        assertTrue(gnu.tar().size() < 200_000, "holes take no space: " + gnu.tar().size());
        assertEquals(0, gnu.tar().size() % 10240);

        byte[] t = gnu.tar().bytes();
        assertEquals("ustar  \0", new String(t, 257, 8, java.nio.charset.StandardCharsets.ISO_8859_1), "GNU magic");
        String all = new String(t, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("././@LongLink"), "GNU long names");
        assertTrue(!all.contains("PaxHeaders") && !all.contains("GNU.sparse"), "no PAX in a GNU layer");
        int sparseHeaders = 0;
        for (int off = 0; off + 512 <= t.length; off += 512) {
            if (t[off + 156] == 'S' && t[off + 257] == 'u') {
                sparseHeaders++;
            }
        }
        assertEquals(4, sparseHeaders, "old GNU sparse entries");
        assertTrue(new String(pax.tar().bytes(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("GNU.sparse.major=1"));
    }

    @Test
    void gnuRefusesWhatItCannotCarry() {
        assertThrows(IllegalStateException.class,
                () -> LayerBuilder.create().format(LayerBuilder.Format.GNU).file("f", "x").xattr("user.a", "1").build());
        assertThrows(IllegalStateException.class, () -> LayerBuilder.create().format(LayerBuilder.Format.GNU).file("f", "x")
                .mtime(Instant.ofEpochSecond(1, 5)).build());
    }

    @Test
    void paxWithSparseKeepsXattrsNanosAndLongNames() throws IOException {
        Layer l = LayerBuilder.create()
                .sparseFile("srv/" + "n".repeat(130), 70_000, List.of(new RawTar.Region(65_536, "x".getBytes())))
                .xattr("user.a", "1").mtime(Instant.ofEpochSecond(946_684_799L, 123_456_789)).owner(3_000_000, 5)
                .file("srv/nsec", "t").mtime(Instant.ofEpochSecond(-2, 500_000_000))
                .build();
        Map<String, byte[]> c = new LinkedHashMap<>();
        List<TarArchiveEntry> es = RawTarTest.read(l.tar().bytes(), c);
        TarArchiveEntry s = es.get(0);
        assertEquals("srv/" + "n".repeat(130), s.getName());
        assertEquals("1", s.getExtraPaxHeaders().get("SCHILY.xattr.user.a"));
        assertEquals(Instant.ofEpochSecond(946_684_799L, 123_456_789), s.getLastModifiedTime().toInstant());
        assertEquals(3_000_000, s.getLongUserId());
        assertEquals(70_000, c.get(s.getName()).length);
        assertEquals('x', c.get(s.getName())[65_536]);
        assertEquals(Instant.ofEpochSecond(-2, 500_000_000), es.get(1).getLastModifiedTime().toInstant(), "-1.5 s");
    }

    @Test
    void layersWithoutSparseFilesAreStillWrittenByCommonsCompress() throws IOException {
        // the same entries as LayerBuilderTest's; format(PAX) is the default and changes nothing
        Layer a = LayerBuilder.create().file("a", "1").xattr("user.x", "y").build();
        Layer b = LayerBuilder.create().format(LayerBuilder.Format.PAX).file("a", "1").xattr("user.x", "y").build();
        assertEquals(a.diffId(), b.diffId());
        assertTrue(new String(a.tar().bytes(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("./PaxHeaders.X/a"),
                "commons-compress's PAX header name");
    }

    private static Tools.Result umociUnpack(Path tmp, String name, Layer layer) throws IOException {
        Image img = ImageBuilder.create().layer(layer, Compression.GZIP, "ADD " + name).build();
        WrittenLayout w = new OciLayoutWriter(tmp.resolve("layout-" + name)).tag("latest", img).write();
        List<Object> cmd = new ArrayList<>(List.of(Tools.require("umoci"), "--log", "error", "unpack"));
        if (!Tools.isRoot(tmp)) {
            cmd.add("--rootless");
        }
        cmd.addAll(List.of("--image", w.umociRef("latest"), tmp.resolve("bundle-" + name)));
        return Tools.run(cmd.toArray());
    }

    /**
     * umoci (Go's archive/tar) unpacks a GNU layer (long names and links, base-256 ids) to the same
     * tree as the PAX layer of the same entries, and PAX 1.0 sparse files with their holes; it refuses
     * old GNU sparse entries (typeflag S): umoci 0.4.7 says "unknown typeflag '\x53'".
     */
    @Test
    void umociUnpacksGnuLayersAndPaxSparseFiles(@TempDir Path tmp) throws IOException {
        Tools.require("umoci");
        for (String n : List.of("gnu", "pax", "pax-sparse")) {
            Layer l = switch (n) {
                case "gnu" -> common(LayerBuilder.Format.GNU).build();
                case "pax" -> common(LayerBuilder.Format.PAX).build();
                default -> withSparse(LayerBuilder.Format.PAX).build();
            };
            Tools.Result r = umociUnpack(tmp, n, l);
            assertEquals(0, r.exit(), n + ": " + r.stderr());
        }
        Path gnu = tmp.resolve("bundle-gnu/rootfs");
        assertEquals(Path.of(LONG_TARGET), Files.readSymbolicLink(gnu.resolve("usr/bin/long")));
        assertEquals("long\n", Files.readString(gnu.resolve(LONG_NAME)));
        TreeSnapshot.assertSameTree(tmp.resolve("bundle-pax/rootfs"), gnu, TreeSnapshot.Options.builder().exclude("."::equals).build());

        Path sparse = tmp.resolve("bundle-pax-sparse/rootfs");
        assertArrayEquals(bytes(Content.sparse(3_000_000, regions())), Files.readAllBytes(sparse.resolve("srv/sparse")));
        assertArrayEquals(new byte[12_345], Files.readAllBytes(sparse.resolve("srv/sparse-all-hole")));
        byte[] named = Files.readAllBytes(sparse.resolve("srv/" + "s".repeat(140)));
        assertEquals("head", new String(named, 0, 4));
        assertEquals("tail", new String(named, 4996, 4));
        assertEquals(1 << 20, Files.size(sparse.resolve("srv/sparse-tail-hole")));

        Tools.Result oldGnu = umociUnpack(tmp, "gnu-sparse", withSparse(LayerBuilder.Format.GNU).build());
        assertTrue(oldGnu.exit() != 0 && oldGnu.stderr().contains("unknown typeflag"),
                "umoci 0.4.7 refuses old GNU sparse entries; if this changed, update the javadoc: " + oldGnu.stderr());
    }

    /**
     * GNU tar reads sparse data region by region from block boundaries (Go and commons-compress read
     * it packed): LayerBuilder aligns regions to 512 bytes so that all of them read the same file.
     */
    @Test
    void gnuTarExtractsTheSameSparseFiles(@TempDir Path tmp) throws IOException {
        Path tar = Tools.require("tar");
        for (LayerBuilder.Format f : LayerBuilder.Format.values()) {
            Path file = Files.write(tmp.resolve(f + ".tar"), withSparse(f).build().tar().bytes());
            Path dir = Files.createDirectories(tmp.resolve("x-" + f));
            Tools.ok(tar, "-xf", file, "-C", dir);
            assertArrayEquals(bytes(Content.sparse(3_000_000, regions())), Files.readAllBytes(dir.resolve("srv/sparse")), f.toString());
            byte[] tail = new byte[1 << 20];
            tail[4096] = 'a';
            tail[4097] = 'b';
            tail[4098] = 'c';
            assertArrayEquals(tail, Files.readAllBytes(dir.resolve("srv/sparse-tail-hole")), f.toString());
            assertArrayEquals(new byte[12_345], Files.readAllBytes(dir.resolve("srv/sparse-all-hole")), f.toString());
            byte[] named = Files.readAllBytes(dir.resolve("srv/" + "s".repeat(140)));
            assertEquals("head", new String(named, 0, 4));
            assertEquals("tail", new String(named, 4996, 4));
        }
    }

    @Test
    void sparseRegionsAreWidenedToBlocksWithoutChangingTheContent() throws IOException {
        Content.Sparse sp = (Content.Sparse) Content.sparse(3_000_000, regions());
        List<RawTar.Region> aligned = LayerBuilder.blockAligned(sp);
        for (RawTar.Region r : aligned.subList(0, aligned.size() - 1)) {
            assertEquals(0, r.offset() % 512);
            assertEquals(0, r.length() % 512);
        }
        assertArrayEquals(bytes(sp), bytes(Content.sparse(3_000_000, aligned)));
        Content.Sparse touching = (Content.Sparse) Content.sparse(2000,
                List.of(new RawTar.Region(10, "a".getBytes()), new RawTar.Region(600, "b".getBytes()), new RawTar.Region(1990, "c".getBytes())));
        List<RawTar.Region> merged = LayerBuilder.blockAligned(touching);
        assertEquals(2, merged.size(), "[0,512) and [512,1024) merge");
        assertEquals(1024, merged.get(0).length());
        assertEquals(2000 - 1536, merged.get(1).length(), "the last block is cut at the size");
        assertArrayEquals(bytes(touching), bytes(Content.sparse(2000, merged)));
    }
}
