package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.Image;
import io.cargohold.testkit.images.Layer;
import io.cargohold.testkit.images.TestImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void edgeCaseLayersReassembleByteForByte() throws Exception {
        Image img = TestImages.edgeCasesImage(1);
        Path root = Files.createDirectory(tmp.resolve("root"));
        for (Layer l : img.layerSources()) {
            for (Compression c : new Compression[] {Compression.GZIP}) {
                byte[] blob = l.blob(c).bytes();
                ByteArrayOutputStream ts = new ByteArrayOutputStream();
                ApplyResult r = LayerArchive.apply(new ByteArrayInputStream(blob), root, ts, ApplyOptions.defaults());
                assertEquals(l.diffId(), r.uncompressedDigest());
                assertEquals(l.blob(c).digest(), r.compressedDigest());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                LayerArchive.reassemble(new ByteArrayInputStream(ts.toByteArray()), root, out);
                assertArrayEquals(l.tar().bytes(), out.toByteArray());
            }
        }
    }

    @Test
    void aCompressedDigestTheCallerGivesIsRecordedAsGivenWithTheCompressedSizeCounted() throws Exception {
        Image img = TestImages.edgeCasesImage(2);
        Layer l = img.layerSources().get(0);
        byte[] blob = l.blob(Compression.GZIP).bytes();
        String given = "sha256:" + "ab".repeat(32); // not the blob's: proves it is taken as given (upstream's OriginalDigest)
        Path root = Files.createDirectory(tmp.resolve("given"));
        ApplyResult r = LayerArchive.apply(new ByteArrayInputStream(blob), root, new ByteArrayOutputStream(),
                ApplyOptions.defaults().withDigests(given, null));
        assertEquals(given, r.compressedDigest());
        assertEquals(blob.length, r.compressedSize());
        assertEquals(l.diffId(), r.uncompressedDigest()); // the diff is still hashed
        assertEquals(l.tar().bytes().length, r.uncompressedSize());
    }

    /** Runs of zeros become holes; a file that ends in one (or is all zeros) still gets its full size and bytes. */
    @Test
    void filesEndingInZerosKeepTheirSizeAndReassemble() throws Exception {
        byte[] tail = new byte[300 * 1024 + 384 * 1024 + 17];
        for (int i = 0; i < 300 * 1024; i++) {
            tail[i] = (byte) (i * 31 + 7);
        }
        byte[] allZero = new byte[512 * 1024];
        byte[] zeroThenData = new byte[256 * 1024 + 3];
        zeroThenData[zeroThenData.length - 1] = 1;
        byte[] tar = io.cargohold.testkit.images.LayerBuilder.create().file("tail", tail).file("zeros", allZero)
                .file("zero-then-data", zeroThenData).file("empty", new byte[0]).build().tar().bytes();
        Path root = Files.createDirectory(tmp.resolve("z"));
        ByteArrayOutputStream ts = new ByteArrayOutputStream();
        LayerArchive.apply(new ByteArrayInputStream(tar), root, ts, ApplyOptions.defaults());
        assertArrayEquals(tail, Files.readAllBytes(root.resolve("tail")));
        assertArrayEquals(allZero, Files.readAllBytes(root.resolve("zeros")));
        assertArrayEquals(zeroThenData, Files.readAllBytes(root.resolve("zero-then-data")));
        assertEquals(0, Files.size(root.resolve("empty")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerArchive.reassemble(new ByteArrayInputStream(ts.toByteArray()), root, out);
        assertArrayEquals(tar, out.toByteArray());
    }

    /**
     * The owner and mode of every entry are the tar's, also where the extractor skips the lchown and chmod
     * that would set what creation already gave: entries owned by this process's user and group next to
     * others' (an lchown needed), modes the umask cuts (0666, 0777), special bits (setuid, sticky), and a
     * setgid directory of another group, below which new files would take that group and new directories
     * the setgid bit unless set again. Root only (chown to other owners).
     */
    @Test
    void ownersAndModesAreTheTarsWhereverCallsAreSkipped() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.cargohold.storage.internal.PosixFs.geteuid() == 0, "chown needs root");
        long me = io.cargohold.storage.internal.PosixFs.geteuid();
        long myGroup = io.cargohold.storage.internal.PosixFs.procIds().egid();
        byte[] tar = io.cargohold.testkit.images.LayerBuilder.create()
                .dir("plain", 0755).owner(me, myGroup)
                .file("plain/mine", "a").mode(0644).owner(me, myGroup)
                .file("plain/wide", "b").mode(0666).owner(me, myGroup)
                .file("plain/setuid", "c").mode(04755).owner(me, myGroup)
                .file("plain/other", "d").mode(0600).owner(1234, 5678)
                .dir("plain/sticky", 01777).owner(me, myGroup)
                .dir("sgid", 02775).owner(me, 4321)
                .file("sgid/mine", "e").mode(0644).owner(me, myGroup)
                .dir("sgid/sub", 0755).owner(me, myGroup)
                .file("sgid/sub/deep", "f").mode(0640).owner(me, myGroup)
                .symlink("sgid/link", "mine").owner(me, myGroup)
                .fifo("plain/fifo").mode(0620).owner(me, myGroup)
                .build().tar().bytes();
        Path root = Files.createDirectory(tmp.resolve("owners"));
        LayerArchive.apply(new ByteArrayInputStream(tar), root, new ByteArrayOutputStream(), ApplyOptions.defaults());
        String[][] want = {
            {"plain", me + ":" + myGroup + ":755"}, {"plain/mine", me + ":" + myGroup + ":644"}, {"plain/wide", me + ":" + myGroup + ":666"},
            {"plain/setuid", me + ":" + myGroup + ":4755"}, {"plain/other", "1234:5678:600"}, {"plain/sticky", me + ":" + myGroup + ":1777"},
            {"sgid", me + ":4321:2775"}, {"sgid/mine", me + ":" + myGroup + ":644"}, {"sgid/sub", me + ":" + myGroup + ":755"},
            {"sgid/sub/deep", me + ":" + myGroup + ":640"}, {"plain/fifo", me + ":" + myGroup + ":620"}};
        for (String[] w : want) {
            java.util.Map<String, Object> a = Files.readAttributes(root.resolve(w[0]), "unix:uid,gid,mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            assertEquals(w[1], a.get("uid") + ":" + a.get("gid") + ":" + Integer.toOctalString((Integer) a.get("mode") & 07777), w[0]);
        }
        java.util.Map<String, Object> link = Files.readAttributes(root.resolve("sgid/link"), "unix:uid,gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertEquals(me + ":" + myGroup, link.get("uid") + ":" + link.get("gid"), "a symlink in a setgid directory of another group");
    }
}
