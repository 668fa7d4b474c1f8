package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** oci-archive: ours read by skopeo, skopeo's read by us, hostile archives refused, temp directories removed. */
class OciArchiveTest {
    @TempDir
    Path tmp;

    private final Transports transports = Transports.standard();

    private CopyContext context() {
        return new CopyContext(tmp.resolve("store"), io.cargohold.storage.StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")),
                tmp.resolve("scratch"));
    }

    private CopyResult copy(String from, String to, CopyOptions o) throws IOException {
        return ImageCopier.copy(transports.parse(from), transports.parse(to), context(), o);
    }

    private static String skopeoDigest(String image) {
        return Digest.sha256(Tools.ok(Tools.require("skopeo"), "inspect", "--raw", image).stdout()).toString();
    }

    private void assertScratchEmpty() throws IOException {
        if (Files.exists(tmp.resolve("scratch"))) {
            try (Stream<Path> s = Files.list(tmp.resolve("scratch"))) {
                assertEquals(0, s.count(), "temp directories are removed");
            }
        }
    }

    @Test
    void oursIsReadBySkopeoAndSkopeosIsReadByUs() throws IOException {
        for (WrittenLayout w : new WrittenLayout[] {TestImages.small(tmp.resolve("small")), TestImages.multiArch(tmp.resolve("multi"))}) {
            var r = w.ref("latest");
            copy("oci:" + w.dir() + ":latest", "cargohold:app:" + w.dir().getFileName(), CopyOptions.defaults().withAll(true));
            Path ours = tmp.resolve("ours-" + w.dir().getFileName() + ".tar");
            copy("cargohold:app:" + w.dir().getFileName(), "oci-archive:" + ours + ":latest", CopyOptions.defaults().withAll(true));
            assertEquals(r.digest(), skopeoDigest("oci-archive:" + ours + ":latest"), "skopeo reads our oci-archive");
            Path again = tmp.resolve("again-" + w.dir().getFileName());
            Tools.ok(Tools.require("skopeo"), "copy", "--all", "oci-archive:" + ours + ":latest", "oci:" + again + ":latest");
            assertEquals(r.digest(), skopeoDigest("oci:" + again + ":latest"));

            Path theirs = tmp.resolve("theirs-" + w.dir().getFileName() + ".tar");
            Tools.ok(Tools.require("skopeo"), "copy", "--all", "oci:" + w.dir() + ":latest", "oci-archive:" + theirs + ":v1");
            CopyResult in = copy("oci-archive:" + theirs + ":v1", "cargohold:from-skopeo:" + w.dir().getFileName(),
                    CopyOptions.defaults().withAll(true));
            assertEquals(r.digest(), in.manifestDigest().toString(), "we read skopeo's oci-archive");
        }
        assertScratchEmpty();
    }

    @Test
    void anExistingArchiveIsReplacedWholeAndAFailedCopyLeavesItAlone() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        Path out = tmp.resolve("out.tar");
        Files.writeString(out, "old");
        copy("oci:" + w.dir() + ":latest", "oci-archive:" + out + ":latest", CopyOptions.defaults());
        assertEquals(w.ref("latest").digest(), skopeoDigest("oci-archive:" + out + ":latest"));
        byte[] before = Files.readAllBytes(out);
        String layer = w.ref("latest").image().layers().getFirst().digest();
        Files.write(w.blobPath(layer), "lies".getBytes(StandardCharsets.UTF_8));
        assertThrows(CorruptException.class, () -> copy("oci:" + w.dir() + ":latest", "oci-archive:" + out + ":x", CopyOptions.defaults()));
        assertEquals(java.util.Arrays.hashCode(before), java.util.Arrays.hashCode(Files.readAllBytes(out)), "untouched");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out.tar")), "no temp file left");
        }
        assertScratchEmpty();
    }

    @Test
    void hostileArchivesAreRefusedWithoutTouchingTheFileSystem() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("small"));
        Path ok = tmp.resolve("ok.tar");
        copy("oci:" + w.dir() + ":latest", "oci-archive:" + ok + ":latest", CopyOptions.defaults());
        var missing = assertThrows(NotFoundException.class, () -> copy("oci-archive:" + ok + ":nope", "cargohold:a:1", CopyOptions.defaults()));
        assertTrue(missing.getMessage().contains("oci archive " + ok + " has no reference \"nope\" (it has: latest)"), missing.getMessage());

        // links out, "..", absolute names: never followed or written; the layout is then incomplete
        Path evil = tmp.resolve("evil.tar");
        Path victim = tmp.resolve("victim");
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(evil))) {
            file(t, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
            file(t, "../victim", "overwritten");
            file(t, "/victim", "overwritten");
            TarArchiveEntry link = new TarArchiveEntry("index.json", TarConstants.LF_SYMLINK);
            link.setLinkName("/etc/passwd");
            t.putArchiveEntry(link);
            t.closeArchiveEntry();
        }
        var e = assertThrows(CorruptException.class, () -> copy("oci-archive:" + evil, "cargohold:a:1", CopyOptions.defaults()));
        assertTrue(e.getMessage().contains("index.json is missing"), e.getMessage());
        assertFalse(Files.exists(victim));
        assertScratchEmpty();
    }

    private static void file(TarArchiveOutputStream t, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        t.putArchiveEntry(e);
        t.write(b);
        t.closeArchiveEntry();
    }
}
