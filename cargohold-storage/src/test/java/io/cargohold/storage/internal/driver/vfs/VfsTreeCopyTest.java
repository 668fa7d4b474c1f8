package io.cargohold.storage.internal.driver.vfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.testkit.fs.TreeSnapshot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vfs driver's parent-tree copy: every kind of entry and every bit of metadata it keeps, compared
 * by {@link TreeSnapshot} (contents, modes, owners, nanosecond mtimes, all xattrs, hard-link groups),
 * on the walking thread alone and with copy threads.
 */
class VfsTreeCopyTest {
    static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    static final boolean ROOT = PosixFs.geteuid() == 0;

    @TempDir
    Path tmp;

    /** A tree with what layers hold; root-only entries (owners, devices, trusted/security xattrs) as root. */
    Path sourceTree() throws Exception {
        Path s = tmp.resolve("src");
        Files.createDirectories(s.resolve("etc/deep/a/b/c/d/e/f/g/h"));
        Files.writeString(s.resolve("etc/deep/a/b/c/d/e/f/g/h/leaf"), "deep");
        Files.writeString(s.resolve("etc/plain"), "plain\n");
        Files.createFile(s.resolve("etc/empty"));
        mode(s.resolve("etc/empty"), 0600);
        Files.writeString(s.resolve("etc/world"), "0777 and 0666 are cut by the umask on create");
        mode(s.resolve("etc/world"), 0777);
        Files.writeString(s.resolve("etc/rw"), "rw");
        mode(s.resolve("etc/rw"), 0666);
        Files.writeString(s.resolve("etc/none"), "no permissions at all");
        mode(s.resolve("etc/none"), 0);
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(big);
        Files.write(s.resolve("etc/big"), big);
        // sparse: a hole, 4 KiB of data, a hole, 1 byte, a trailing hole
        try (RandomAccessFile f = new RandomAccessFile(s.resolve("etc/sparse").toFile(), "rw")) {
            f.seek(8L << 20);
            f.write(new byte[4096], 0, 4096);
            f.seek(16L << 20);
            f.write('x');
            f.setLength(24L << 20);
        }
        Files.createDirectories(s.resolve("bin"));
        Files.writeString(s.resolve("bin/suid"), "#!/bin/sh\n");
        Files.writeString(s.resolve("bin/sgid"), "#!/bin/sh\n");
        Files.createDirectories(s.resolve("tmp"));
        mode(s.resolve("tmp"), 01777);
        Files.createDirectories(s.resolve("ro"));
        Files.writeString(s.resolve("ro/inside"), "in a read-only directory");
        // hard links: a pair across directories, a group of three, and a linked FIFO
        Files.writeString(s.resolve("etc/linked"), "one inode");
        Files.createLink(s.resolve("bin/linked-too"), s.resolve("etc/linked"));
        Files.writeString(s.resolve("bin/three"), "three names");
        Files.createLink(s.resolve("bin/three.b"), s.resolve("bin/three"));
        Files.createLink(s.resolve("etc/deep/three.c"), s.resolve("bin/three"));
        // symlinks, byte for byte: relative, absolute out of the tree, dangling, to a directory, odd spellings
        PosixFs.symlink("plain".getBytes(StandardCharsets.UTF_8), s.resolve("etc/rel"));
        PosixFs.symlink("/etc/passwd".getBytes(StandardCharsets.UTF_8), s.resolve("etc/out"));
        PosixFs.symlink("../nowhere/at/all".getBytes(StandardCharsets.UTF_8), s.resolve("etc/dangling"));
        PosixFs.symlink("deep/".getBytes(StandardCharsets.UTF_8), s.resolve("etc/slash"));
        PosixFs.symlink("deep//a/./b".getBytes(StandardCharsets.UTF_8), s.resolve("etc/odd"));
        PosixFs.symlink("/".getBytes(StandardCharsets.UTF_8), s.resolve("rootlink"));
        PosixFs.mknod(s.resolve("etc/fifo"), 0010640, 0);
        Files.createLink(s.resolve("bin/fifo-link"), s.resolve("etc/fifo"));
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(s.resolve("etc/socket")));
        }
        // user.* xattrs on a file and a directory (trusted/security ones below, as root)
        PosixFs.setXattr(s.resolve("etc/plain"), "user.note", "a note".getBytes(StandardCharsets.UTF_8));
        PosixFs.setXattr(s.resolve("etc/plain"), "user.empty", new byte[0]);
        PosixFs.setXattr(s.resolve("etc/deep"), "user.dir", "on a directory".getBytes(StandardCharsets.UTF_8));
        byte[] large = new byte[3000];
        java.util.Arrays.fill(large, (byte) 'v');
        PosixFs.setXattr(s.resolve("etc/big"), "user.large", large);
        if (ROOT) {
            PosixFs.mknod(s.resolve("etc/null"), 0020666, makedev(1, 3));
            PosixFs.mknod(s.resolve("etc/loop"), 0060660, makedev(7, 300));
            PosixFs.mknod(s.resolve("etc/big-major"), 0020600, makedev(4095, 1 << 19));
            PosixFs.setXattr(s.resolve("etc/deep/a"), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
            PosixFs.setXattr(s.resolve("bin/suid"), "security.capability", capability());
            PosixFs.lchown(s.resolve("etc/plain"), 1000, 1001);
            PosixFs.lchown(s.resolve("etc/rel"), 1002, 1003);
            PosixFs.lchown(s.resolve("etc/fifo"), 1004, 0);
            PosixFs.lchown(s.resolve("etc/deep"), 0, 1005);
            PosixFs.lchown(s.resolve("bin/suid"), 1000, 0);
            PosixFs.lchown(s.resolve("bin/sgid"), 0, 50);
        }
        mode(s.resolve("bin/suid"), 04755); // after the chown, which clears it
        mode(s.resolve("bin/sgid"), 02750);
        mode(s.resolve("etc/deep"), 02775);
        // times: distinct nanosecond mtimes and atimes, directories last (and one read-only directory)
        long t = 1_600_000_000L;
        int i = 0;
        try (var walk = Files.walk(s)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                long m = (t + i * 1000L) * 1_000_000_000L + 123_456_789L + i;
                PosixFs.setTimes(p, m - 7_000_000_001L, m);
                i++;
            }
        }
        mode(s.resolve("ro"), 0555);
        return s;
    }

    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** A valid VFS_CAP_REVISION_2 value: cap_net_bind_service, effective. */
    static byte[] capability() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x02000001).putInt(1 << 10).putInt(0).putInt(0).putInt(0);
        return b.array();
    }

    static void mode(Path p, int mode) throws IOException {
        PosixFs.chmod(p, mode);
    }

    @ParameterizedTest(name = "copy threads: {0}")
    @ValueSource(ints = {0, 1, 2})
    void everyEntryAndItsMetadataIsCopied(int threads) throws Exception {
        Path src = sourceTree();
        Path dst = tmp.resolve("dst");
        List<String> timed = List.of("etc/plain", "etc/big", "etc/rel", "etc/fifo", "etc/deep", "ro", ".");
        java.util.Map<String, Object> atimes = new java.util.HashMap<>();
        for (String p : timed) {
            atimes.put(p, Files.getAttribute(src.resolve(p), "unix:lastAccessTime", NOFOLLOW));
        }
        VfsTreeCopy.copy(src, dst, List.of(), List.of(), List.of(), List.of(), threads);
        for (String p : timed) { // before anything reads the copy (relatime)
            assertEquals(atimes.get(p), Files.getAttribute(dst.resolve(p), "unix:lastAccessTime", NOFOLLOW), p + ": atime");
        }

        TreeSnapshot.assertSameTree(src, dst, TreeSnapshot.Options.DEFAULT);
        // what TreeSnapshot does not look at
        for (String link : List.of("etc/rel", "etc/out", "etc/dangling", "etc/slash", "etc/odd", "rootlink")) {
            assertEquals(PosixFs.readlink(src.resolve(link)), PosixFs.readlink(dst.resolve(link)), link + ": the target byte for byte");
        }
        assertTrue(blocks(dst.resolve("etc/sparse")) <= blocks(src.resolve("etc/sparse")),
                "holes stay holes: " + blocks(dst.resolve("etc/sparse")) + " blocks vs " + blocks(src.resolve("etc/sparse")));
        assertEquals(24L << 20, Files.size(dst.resolve("etc/sparse")));
        assertTrue(Files.readAttributes(dst.resolve("etc/socket"), "unix:mode", NOFOLLOW).get("mode") instanceof Integer m
                && (m & 0170000) == 0140000, "the socket is a socket file");
        assertFalse(Files.isSameFile(src.resolve("etc/linked"), dst.resolve("etc/linked")), "a copy, not a link into the parent");
    }

    @Test
    void onlyTheXattrsUpstreamCopiesAreCopied() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("f"), "x");
        PosixFs.setXattr(src.resolve("f"), "user.kept", "1".getBytes(StandardCharsets.UTF_8));
        if (ROOT) {
            PosixFs.setXattr(src.resolve("f"), "trusted.dropped", "2".getBytes(StandardCharsets.UTF_8));
            PosixFs.setXattr(src, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
        }
        Path dst = tmp.resolve("dst");
        VfsTreeCopy.copy(src, dst, List.of(), List.of(), List.of(), List.of(), 0);
        assertArrayEquals("1".getBytes(StandardCharsets.UTF_8), PosixFs.getXattr(dst.resolve("f"), "user.kept"));
        if (ROOT) {
            assertNull(PosixFs.getXattr(dst.resolve("f"), "trusted.dropped"), "as upstream's DirCopy: not copied");
            assertArrayEquals("y".getBytes(StandardCharsets.UTF_8), PosixFs.getXattr(dst, "trusted.overlay.opaque"));
        }
    }

    @Test
    void ownersAreShiftedFromTheParentsMapsToTheLayers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ROOT, "chown to other users needs root");
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("d/f"), "x");
        PosixFs.lchown(src.resolve("d/f"), 1000, 1001);
        PosixFs.symlink("f".getBytes(StandardCharsets.UTF_8), src.resolve("d/l"));
        PosixFs.lchown(src.resolve("d/l"), 7, 8);
        Files.writeString(src.resolve("suid"), "s");
        mode(src.resolve("suid"), 04711);
        List<IdMap> map = List.of(new IdMap(0, 100000, 65536));
        Path dst = tmp.resolve("dst");
        VfsTreeCopy.copy(src, dst, List.of(), List.of(), map, map, 2);
        assertEquals(101000, Files.getAttribute(dst.resolve("d/f"), "unix:uid"));
        assertEquals(101001, Files.getAttribute(dst.resolve("d/f"), "unix:gid"));
        assertEquals(100007, Files.getAttribute(dst.resolve("d/l"), "unix:uid", NOFOLLOW));
        assertEquals(100000, Files.getAttribute(dst.resolve("d"), "unix:uid"));
        assertEquals(100000, Files.getAttribute(dst, "unix:gid"));
        assertEquals(04711, (int) Files.getAttribute(dst.resolve("suid"), "unix:mode") & 07777, "setuid set again after the chown");
        // and back: from the mapped tree to an unmapped one
        Path back = tmp.resolve("back");
        VfsTreeCopy.copy(dst, back, map, map, List.of(), List.of(), 0);
        TreeSnapshot.assertSameTree(src, back, TreeSnapshot.Options.DEFAULT);
    }

    @Test
    void anExistingTargetFailsTheCopyAndIsLeftAlone() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("f"), "x");
        Path dst = tmp.resolve("dst");
        Files.createDirectories(dst);
        Files.writeString(dst.resolve("mine"), "keep");
        assertThrows(FileAlreadyExistsException.class, () -> VfsTreeCopy.copy(src, dst, List.of(), List.of(), List.of(), List.of(), 2));
        assertEquals("keep", Files.readString(dst.resolve("mine")));
        assertFalse(Files.exists(dst.resolve("f")));
    }

    @Test
    void aSymlinkAsTheSourceRootIsRefused() throws Exception {
        Path real = tmp.resolve("real");
        Files.createDirectories(real);
        Files.writeString(real.resolve("f"), "x");
        Path link = tmp.resolve("link");
        Files.createSymbolicLink(link, real);
        Path dst = tmp.resolve("dst");
        assertThrows(IOException.class, () -> VfsTreeCopy.copy(link, dst, List.of(), List.of(), List.of(), List.of(), 0));
        assertFalse(Files.exists(dst), "nothing made");
    }

    @Test
    void aCopyKeepsModesWhateverTheUmaskWouldMakeOfThem() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        for (int m : new int[] {0, 0400, 0644, 0664, 0666, 0700, 0755, 0775, 0777, 01755, 02755, 04755, 06777, 07777}) {
            Path f = src.resolve(Integer.toOctalString(m));
            Files.writeString(f, "x");
            mode(f, m);
        }
        Path dst = tmp.resolve("dst");
        VfsTreeCopy.copy(src, dst, List.of(), List.of(), List.of(), List.of(), 1);
        TreeSnapshot.assertSameTree(src, dst, TreeSnapshot.Options.DEFAULT);
    }

    static long blocks(Path p) throws Exception {
        Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, pr.waitFor(), out);
        return Long.parseLong(out);
    }
}
