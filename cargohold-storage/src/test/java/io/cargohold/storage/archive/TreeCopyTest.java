package io.cargohold.storage.archive;

import static io.cargohold.storage.archive.Trees.file;
import static io.cargohold.storage.archive.Trees.lstat;
import static io.cargohold.storage.archive.Trees.times;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopyTest {
    private static final byte[] CAP = {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0};
    private static final List<IdMap> HOST_100000 = List.of(new IdMap(0, 100000, 65536));
    private static final List<IdMap> HOST_200000 = List.of(new IdMap(0, 200000, 65536));

    @TempDir
    Path tmp;

    private Path source() throws IOException {
        Path src = tmp.resolve("src");
        file(src.resolve("bin/tool"), "tool");
        PosixFs.lchown(src.resolve("bin/tool"), 1000, 1001);
        PosixFs.chmod(src.resolve("bin/tool"), 04755);
        PosixFs.setXattr(src.resolve("bin/tool"), "security.capability", CAP);
        PosixFs.setXattr(src.resolve("bin/tool"), "user.a", "1".getBytes(StandardCharsets.UTF_8));
        times(src.resolve("bin/tool"), 1_650_000_000L, 5, 1_600_000_000L, 123_456_789);
        Files.createLink(src.resolve("bin/tool2"), src.resolve("bin/tool"));
        io.cargohold.storage.internal.PosixFs.symlink("../x//y/".getBytes(java.nio.charset.StandardCharsets.UTF_8), src.resolve("bin/link"));
        io.cargohold.storage.internal.PosixFs.symlink("tool".getBytes(java.nio.charset.StandardCharsets.UTF_8), src.resolve("bin/toollink"));
        file(src.resolve("plain"), "plain");
        times(src.resolve("plain"), 1_650_000_000L, 5, 1_600_000_000L, 0);
        PosixFs.mknod(src.resolve("fifo"), FsStat.S_IFIFO | 0600, 0);
        PosixFs.chmod(src.resolve("bin"), 0750);
        times(src.resolve("bin"), 1_500_000_000L, 1, 1_500_000_000L, 2);
        return src;
    }

    @Test
    void directoryContentsAreMergedWithMetadata() throws IOException {
        Path src = source();
        Path dst = tmp.resolve("dst");
        file(dst.resolve("keep"), "kept");
        PosixFs.chmod(dst, 0700);
        TreeCopy.copy(src, dst, List.of(), List.of(), List.of(), List.of(), null);

        assertEquals(040700, lstat(dst).mode(), "an existing target directory is left as it is");
        assertEquals("kept", Files.readString(dst.resolve("keep")));
        FsStat bin = lstat(dst.resolve("bin"));
        assertEquals(040750, bin.mode());
        assertEquals(1_500_000_000L, bin.mtimeSec());
        assertEquals(2, bin.mtimeNsec());
        FsStat tool = lstat(dst.resolve("bin/tool"));
        assertEquals(0104755, tool.mode());
        assertEquals(1000, tool.uid());
        assertEquals(1001, tool.gid());
        assertEquals(1_600_000_000L, tool.mtimeSec());
        assertEquals(123_456_789, tool.mtimeNsec());
        assertEquals(1_650_000_000L, lstat(dst.resolve("plain")).atimeSec());
        assertEquals(5, lstat(dst.resolve("plain")).atimeNsec());
        assertArrayEquals(CAP, PosixFs.getXattr(dst.resolve("bin/tool"), "security.capability"));
        assertEquals("1", new String(PosixFs.getXattr(dst.resolve("bin/tool"), "user.a"), StandardCharsets.UTF_8));
        assertEquals(tool.ino(), lstat(dst.resolve("bin/tool2")).ino(), "hard links stay links");
        assertEquals("../x//y/", io.cargohold.storage.internal.PosixFs.readlink(dst.resolve("bin/link")));
        assertEquals(010600, lstat(dst.resolve("fifo")).mode());
    }

    @Test
    void newTargetIsOwnedByTheChownPairAsGivenAndContentsByItsMappedPair() throws IOException {
        Path src = source();
        Path dst = tmp.resolve("a/b");
        TreeCopy.copy(src, dst, List.of(), List.of(), HOST_200000, HOST_200000, new IdPair(7, 8));
        for (Path p : List.of(tmp.resolve("a"), dst)) {
            FsStat st = lstat(p);
            assertEquals(040755, st.mode());
            assertEquals(7, st.uid());
            assertEquals(8, st.gid());
        }
        FsStat tool = lstat(dst.resolve("bin/tool"));
        assertEquals(200007, tool.uid());
        assertEquals(200008, tool.gid());
        assertEquals(0104755, tool.mode(), "setuid survives the chown");
        assertEquals(200007, lstat(dst.resolve("bin/link")).uid());
    }

    @Test
    void ownersGoThroughTheSourceAndTargetMaps() throws IOException {
        Path src = tmp.resolve("src");
        file(src.resolve("d/f"), "f");
        file(src.resolve("d/rootowned"), "r");
        PosixFs.lchown(src.resolve("d"), 100000, 100000);
        PosixFs.lchown(src.resolve("d/f"), 100005, 100006);
        Path dst = tmp.resolve("dst");
        TreeCopy.copy(src, dst, HOST_100000, HOST_100000, HOST_200000, HOST_200000, null);
        FsStat root = lstat(dst);
        assertEquals(200000, root.uid(), "a new target is owned by the target maps' root");
        assertEquals(200000, lstat(dst.resolve("d")).uid());
        assertEquals(200005, lstat(dst.resolve("d/f")).uid());
        assertEquals(200006, lstat(dst.resolve("d/f")).gid());
        assertFalse(Files.exists(dst.resolve("d/rootowned")), "a host ID the source maps cannot map is left out");

        // A container ID the target maps cannot map fails the copy.
        assertThrows(IOException.class, () -> TreeCopy.copy(src.resolve("d/f"), tmp.resolve("x"), List.of(), List.of(),
                HOST_200000, HOST_200000, null));
    }

    @Test
    void fileCopyKeepsModeOwnerAndTimesButNotXattrs() throws IOException {
        Path src = source();
        Path tool = src.resolve("bin/tool");
        Path dst = tmp.resolve("out/dir");
        TreeCopy.copy(tool, dst, true, List.of(), List.of(), HOST_200000, HOST_200000, null);
        Path copied = dst.resolve("tool");
        FsStat st = lstat(copied);
        assertEquals(0104755, st.mode());
        assertEquals(201000, st.uid());
        assertEquals(201001, st.gid());
        assertEquals(1_600_000_000L, st.mtimeSec());
        assertEquals(123_456_789, st.mtimeNsec());
        assertEquals(1, st.nlink());
        assertNull(PosixFs.getXattr(copied, "security.capability"));
        assertNull(PosixFs.getXattr(copied, "user.a"));
        assertEquals(040700, lstat(dst).mode(), "missing parents of a file target are made 0700");

        // Without the trailing slash an existing directory is not entered: upstream refuses to replace it.
        IOException e = assertThrows(IOException.class,
                () -> TreeCopy.copy(tool, dst, List.of(), List.of(), List.of(), List.of(), null));
        assertTrue(e.getMessage().contains("cannot overwrite directory"), e.getMessage());

        // An existing file is replaced; the chown pair wins over the source owner.
        TreeCopy.copy(src.resolve("bin/toollink"), copied, List.of(), List.of(), List.of(), List.of(), new IdPair(3, 4));
        assertEquals("tool", Files.readString(copied), "a symlink source is followed");
        assertEquals(3, lstat(copied).uid());
        assertEquals(4, lstat(copied).gid());
    }
}
