package io.cargohold.storage.internal.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.internal.PosixFs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelMountsTest {
    private static void requireRoot() {
        Assumptions.assumeTrue(PosixFs.geteuid() == 0, "mount(2) needs root");
    }

    @Test
    void parseOptionsSplitsFlagsFromDataAsUpstream() {
        KernelMounts.ParsedOptions p = KernelMounts.parseOptions("lowerdir=a:b,ro,nodev,upperdir=u,metacopy=on");
        assertEquals(KernelMounts.MS_RDONLY | KernelMounts.MS_NODEV, p.flags());
        assertEquals("lowerdir=a:b,upperdir=u,metacopy=on", p.data());
        // rw clears ro; "defaults" and empty items are data for upstream (flag 0 is not a flag)
        KernelMounts.ParsedOptions q = KernelMounts.parseOptions("ro,rw,defaults,,x");
        assertEquals(0, q.flags());
        assertEquals("defaults,,x", q.data());
        assertEquals("", KernelMounts.parseOptions("").data());
        assertEquals(KernelMounts.MS_BIND | KernelMounts.MS_REC, KernelMounts.parseOptions("rbind").flags());
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertEquals("/a b\tc\\d", KernelMounts.unescape("/a\\040b\\011c\\134d"));
        assertEquals("/plain", KernelMounts.unescape("/plain"));
        assertEquals("/x\\9", KernelMounts.unescape("/x\\9"));
    }

    @Test
    void mountAndUnmountShowInMountinfo(@TempDir Path dir) throws Exception {
        requireRoot();
        Path target = Files.createDirectory(dir.resolve("with space"));
        assertFalse(KernelMounts.isMountPoint(target));
        KernelMounts.mount("tmpfs", target.toString(), "tmpfs", KernelMounts.MS_NODEV, "size=1m");
        try {
            assertTrue(KernelMounts.isMountPoint(target));
            KernelMounts.MountInfo m = KernelMounts.mountsUnder(dir).getFirst();
            assertEquals("tmpfs", m.fsType());
            assertTrue(m.options().contains("nodev"), m.options());
        } finally {
            KernelMounts.unmount(target.toString(), 0);
        }
        assertFalse(KernelMounts.isMountPoint(target));
        PosixFs.ErrnoException e = assertThrows(PosixFs.ErrnoException.class, () -> KernelMounts.unmount(target.toString(), 0));
        assertEquals(KernelMounts.EINVAL, e.errno());
        assertEquals("invalid argument", e.getMessage());
    }

    @Test
    void propagationTagsAreReadAndTheTopmostMountIsTheOneSeen(@TempDir Path dir) throws Exception {
        requireRoot();
        Path target = Files.createDirectory(dir.resolve("m"));
        assertEquals(null, KernelMounts.mountAt(target));
        KernelMounts.mount("tmpfs", target.toString(), "tmpfs", 0, "size=1m");
        try {
            KernelMounts.mount("", target.toString(), "none", KernelMounts.MS_SHARED, null);
            KernelMounts.MountInfo shared = KernelMounts.mountAt(target);
            assertFalse(shared.isPrivate());
            assertTrue(shared.optional().matches("shared:\\d+"), shared.optional());
            KernelMounts.mount("", target.toString(), "none", KernelMounts.MS_PRIVATE, null);
            assertTrue(KernelMounts.mountAt(target).isPrivate(), KernelMounts.mountAt(target).optional());
            // a second mount on the same point hides the first: mountAt reports the new one
            KernelMounts.mount("tmpfs", target.toString(), "tmpfs", 0, "size=2m");
            try {
                KernelMounts.MountInfo top = KernelMounts.mountAt(target);
                assertTrue(top.superOptions().contains("size=2048k"), top.superOptions());
            } finally {
                KernelMounts.unmount(target.toString(), 0);
            }
        } finally {
            KernelMounts.unmount(target.toString(), 0);
        }
    }

    @Test
    void overlayMountedWithRelativePathsFromItsHome(@TempDir Path home) throws Exception {
        requireRoot();
        for (String d : new String[] {"lower1", "lower2", "upper", "work", "merged"}) {
            Files.createDirectory(home.resolve(d));
        }
        Files.writeString(home.resolve("lower1/top"), "1");
        Files.writeString(home.resolve("lower2/top"), "2");
        Files.writeString(home.resolve("lower2/bottom"), "b");
        String cwdBefore = Path.of("").toAbsolutePath().toString();
        KernelMounts.mountIn(home, "overlay", "merged", "overlay", 0, "lowerdir=lower1:lower2,upperdir=upper,workdir=work");
        try {
            assertEquals("1", Files.readString(home.resolve("merged/top")), "the topmost lower wins");
            assertEquals("b", Files.readString(home.resolve("merged/bottom")));
            Files.writeString(home.resolve("merged/new"), "n");
            assertEquals("n", Files.readString(home.resolve("upper/new")));
        } finally {
            KernelMounts.unmount(home.resolve("merged").toString(), KernelMounts.MNT_DETACH);
        }
        assertFalse(KernelMounts.isMountPoint(home.resolve("merged")));
        // this thread's working directory (and the JVM's) did not move
        assertEquals(cwdBefore, Path.of("").toAbsolutePath().toString());
        assertTrue(Files.isDirectory(Path.of("/proc/self/cwd/").toRealPath()));
        assertEquals(Path.of(cwdBefore).toRealPath(), Path.of("/proc/self/cwd").toRealPath());
    }

    @Test
    void failedMountsReportErrno(@TempDir Path dir) throws Exception {
        requireRoot();
        PosixFs.ErrnoException e = assertThrows(PosixFs.ErrnoException.class,
                () -> KernelMounts.mount("overlay", dir.resolve("missing").toString(), "overlay", 0, "lowerdir=/nonexistent"));
        assertEquals(KernelMounts.ENOENT, e.errno());
        PosixFs.ErrnoException rel = assertThrows(PosixFs.ErrnoException.class,
                () -> KernelMounts.mountIn(dir, "overlay", "absent", "overlay", 0, "lowerdir=x"));
        assertEquals(KernelMounts.ENOENT, rel.errno());
    }
}
