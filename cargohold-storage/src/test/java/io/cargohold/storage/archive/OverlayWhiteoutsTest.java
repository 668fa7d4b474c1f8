package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.internal.PosixFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlayWhiteoutsTest {
    private final OverlayWhiteouts wo = OverlayWhiteouts.forThisProcess();

    @BeforeEach
    void root() {
        // 0/0 character devices and trusted.* xattrs need root, as for upstream
        Assumptions.assumeTrue(PosixFs.geteuid() == 0, "overlay whiteouts need root");
    }

    private static Entry entry(Path p, String name) throws Exception {
        return Entry.fromFile(p, name, List.of(), List.of(), new HashMap<>(), null, false);
    }

    @Test
    void xattrNameFollowsPrivilege() {
        assertEquals("trusted.overlay.opaque", OverlayWhiteouts.opaqueXattrName(true));
        assertEquals("user.overlay.opaque", OverlayWhiteouts.opaqueXattrName(false));
        assertEquals("trusted.overlay.opaque", wo.opaqueXattr());
    }

    @Test
    void whiteoutEntriesBecomeCharacterDevicesOwnedAsTheEntry(@TempDir Path diff) throws Exception {
        Path dir = Files.createDirectory(diff.resolve("etc"));
        assertFalse(wo.convertRead(".wh.passwd", dir, 1234, 5678));
        FsStat st = FsStat.lstat(dir.resolve("passwd"));
        assertTrue(OverlayWhiteouts.isWhiteout(st));
        assertEquals(0, st.mode() & 07777);
        assertEquals(1234, st.uid());
        assertEquals(5678, st.gid());
        assertFalse(Files.exists(dir.resolve(".wh.passwd")));
        // an ordinary name is written as a file
        assertTrue(wo.convertRead("passwd-", dir, 0, 0));
    }

    @Test
    void opaqueMarkersSetTheXattr(@TempDir Path diff) throws Exception {
        Path dir = Files.createDirectory(diff.resolve("var"));
        assertFalse(wo.convertRead(".wh..wh..opq", dir, 0, 0));
        assertArrayEquals(new byte[] {'y'}, PosixFs.getXattr(dir, "trusted.overlay.opaque"));
        assertFalse(Files.exists(dir.resolve(".wh..wh..opq")));
    }

    @Test
    void whiteoutBelowAWhiteoutIsNoError(@TempDir Path diff) throws Exception {
        // rm -rf /foo/bar layers: /.wh.foo, then /foo/.wh.bar where /foo is now the whiteout device
        assertFalse(wo.convertRead(".wh.foo", diff, 0, 0));
        assertFalse(wo.convertRead(".wh.bar", diff.resolve("foo"), 0, 0));
    }

    @Test
    void devicesBecomeWhiteoutEntriesAgain(@TempDir Path diff) throws Exception {
        Path dir = Files.createDirectory(diff.resolve("etc"));
        wo.convertRead(".wh.shadow", dir, 0, 0);
        Path dev = dir.resolve("shadow");
        Entry h = entry(dev, "etc/shadow");
        assertNull(wo.convertWrite(h, dev, FsStat.lstat(dev), List.of()));
        assertEquals("etc/.wh.shadow", h.name);
        assertEquals(Entry.REG, h.type);
        assertEquals(0, h.mode);
        assertEquals(0, h.size);
        Path top = diff.resolve("gone");
        PosixFs.mknod(top, FsStat.S_IFCHR, 0);
        Entry t = entry(top, "gone");
        wo.convertWrite(t, top, FsStat.lstat(top), List.of());
        assertEquals(".wh.gone", t.name);
        // a real device (1/3, /dev/null) stays a device
        Path nul = diff.resolve("null");
        PosixFs.mknod(nul, FsStat.S_IFCHR | 0666, Extractor.makedev(1, 3));
        Entry n = entry(nul, "null");
        wo.convertWrite(n, nul, FsStat.lstat(nul), List.of());
        assertEquals("null", n.name);
        assertEquals(Entry.CHAR, n.type);
    }

    @Test
    void opaqueDirectoryGetsAMarkerOnlyWhenALowerLayerHasIt(@TempDir Path tmp) throws Exception {
        Path upper = Files.createDirectories(tmp.resolve("upper/var/cache"));
        PosixFs.setXattr(upper, "trusted.overlay.opaque", new byte[] {'y'});
        PosixFs.chmod(upper, 0750);
        Path lower1 = Files.createDirectories(tmp.resolve("lower1"));
        Path lower2 = Files.createDirectories(tmp.resolve("lower2/var/cache"));
        FsStat fi = FsStat.lstat(upper);

        // no lower layers: nothing can have been hidden
        Entry h = entry(upper, "var/cache");
        assertNull(wo.convertWrite(h, upper, fi, List.of()));
        assertEquals("var/cache/", h.name);

        // a lower layer below the first has the directory: the marker follows the directory
        Entry h2 = entry(upper, "var/cache");
        Entry marker = wo.convertWrite(h2, upper, fi, List.of(lower1, tmp.resolve("lower2")));
        assertNotNull(marker);
        assertEquals("var/cache/.wh..wh..opq", marker.name);
        assertEquals(Entry.REG, marker.type);
        assertEquals(0750, marker.mode);
        assertEquals(0, marker.mtimeSec);
        assertEquals(h2.uid, marker.uid);
        assertFalse(h2.xattrs.containsKey("trusted.overlay.opaque"));

        // the topmost lower layer whites out a parent: the directory was not inherited, no marker
        PosixFs.mknod(lower1.resolve("var"), FsStat.S_IFCHR, 0);
        assertNull(wo.convertWrite(entry(upper, "var/cache"), upper, fi, List.of(lower1, tmp.resolve("lower2"))));
        assertTrue(Files.isDirectory(lower2));
    }

    @Test
    void goPathHelpers() {
        assertArrayEquals(new String[] {"a/b/", "c"}, OverlayWhiteouts.splitName("a/b/c"));
        assertArrayEquals(new String[] {"", "c"}, OverlayWhiteouts.splitName("c"));
        assertEquals(".wh.c", OverlayWhiteouts.join("", ".wh.c"));
        assertEquals("a/.wh.c", OverlayWhiteouts.join("a/", ".wh.c"));
        assertEquals("a/b", OverlayWhiteouts.dir("a/b/"));
        assertEquals(".", OverlayWhiteouts.dir("a"));
        assertEquals("a", OverlayWhiteouts.dir("a/b"));
    }
}
