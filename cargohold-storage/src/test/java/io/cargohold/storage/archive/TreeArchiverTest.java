package io.cargohold.storage.archive;

import static io.cargohold.storage.archive.Trees.cpA;
import static io.cargohold.storage.archive.Trees.file;
import static io.cargohold.storage.archive.Trees.mtime;
import static io.cargohold.storage.archive.Trees.readTar;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.archive.Trees.RawEntry;
import io.cargohold.storage.internal.PosixFs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeArchiverTest {
    private static final byte[] CAP = {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    Path tmp;

    private static Map<String, RawEntry> byName(List<RawEntry> entries) {
        return entries.stream().collect(Collectors.toMap(RawEntry::name, Function.identity()));
    }

    @Test
    void exportChangesWritesEntriesAndWhiteoutsInPathOrder() throws Exception {
        Path old = TreeChangesTest.oldTree(tmp);
        Path nu = tmp.resolve("new");
        cpA(old, nu);
        file(nu.resolve("etc/conf"), "changed content");
        mtime(nu.resolve("etc/conf"), 1_600_000_000L, 999_999_999);
        PosixFs.setXattr(nu.resolve("etc/capfile"), "security.capability", CAP);
        PosixFs.setXattr(nu.resolve("etc/xattr"), "user.k", "v2".getBytes(StandardCharsets.UTF_8));
        Files.delete(nu.resolve("gone"));
        Files.createLink(nu.resolve("links/c"), nu.resolve("links/a"));
        Files.createLink(nu.resolve("links/d"), nu.resolve("links/a"));
        List<Change> changes = TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of());
        assertEquals(List.of("C /etc", "C /etc/capfile", "C /etc/conf", "C /etc/xattr", "D /gone", "C /links",
                "A /links/c", "A /links/d"), changes.stream().map(Change::toString).toList());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long before = System.currentTimeMillis() / 1000;
        // Given in reverse: written in path order all the same.
        TreeArchiver.exportChanges(nu, changes.reversed(), List.of(), List.of(), out);
        long after = System.currentTimeMillis() / 1000 + 1;
        List<RawEntry> entries = readTar(out.toByteArray());
        assertEquals(List.of("etc/", "etc/capfile", "etc/conf", "etc/xattr", ".wh.gone", "links/", "links/c", "links/d"),
                entries.stream().map(RawEntry::name).toList());
        Map<String, RawEntry> e = byName(entries);

        RawEntry dir = e.get("etc/");
        assertEquals('5', dir.type());
        assertEquals(040755, dir.mode());
        assertEquals("root", dir.uname());
        assertEquals("root", dir.gname());

        RawEntry conf = e.get("etc/conf");
        assertEquals('0', conf.type());
        assertEquals(0100644, conf.mode());
        assertEquals(1_600_000_000L, conf.mtime()); // truncated, not rounded
        assertEquals("changed content", new String(conf.content(), StandardCharsets.UTF_8));

        assertArrayEquals(CAP, e.get("etc/capfile").pax().get("SCHILY.xattr.security.capability"));
        assertEquals("v2", e.get("etc/xattr").xattr("user.k"));

        RawEntry wh = e.get(".wh.gone");
        assertEquals('0', wh.type());
        assertEquals(0, wh.mode());
        assertEquals(0, wh.size());
        assertEquals(0, wh.uid());
        assertEquals("", wh.uname());
        assertTrue(wh.mtime() >= before && wh.mtime() <= after, "whiteout time is now");

        // The first name of the inode in this stream carries the content; later ones link to it.
        assertEquals('0', e.get("links/c").type());
        assertEquals("content of links/a", new String(e.get("links/c").content(), StandardCharsets.UTF_8));
        assertEquals('1', e.get("links/d").type());
        assertEquals("links/c", e.get("links/d").linkname());
        assertEquals(0, e.get("links/d").size());

        // commons-compress reads the stream too.
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()), "UTF-8")) {
            for (TarArchiveEntry t; (t = in.getNextEntry()) != null; ) {
                names.add(t.getName());
            }
        }
        assertEquals(entries.stream().map(RawEntry::name).toList(), names);
    }

    @Test
    void exportChangesMapsOwnersToTheContainerButNotWhiteoutFiles() throws Exception {
        Path dir = tmp.resolve("layer");
        file(dir.resolve("a/f"), "x");
        file(dir.resolve("a/.wh.old"), "");
        file(dir.resolve("unmapped"), "x");
        PosixFs.lchown(dir.resolve("a"), 100000, 100000);
        PosixFs.lchown(dir.resolve("a/f"), 100005, 100007);
        PosixFs.lchown(dir.resolve("a/.wh.old"), 100001, 100001);
        List<IdMap> m = List.of(new IdMap(0, 100000, 65536));
        List<Change> changes = List.of(new Change("/a", Change.Kind.ADD), new Change("/a/f", Change.Kind.ADD),
                new Change("/a/.wh.old", Change.Kind.ADD), new Change("/unmapped", Change.Kind.ADD));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TreeArchiver.exportChanges(dir, changes, m, m, out);
        Map<String, RawEntry> e = byName(readTar(out.toByteArray()));
        assertEquals(List.of("a/", "a/.wh.old", "a/f"), readTar(out.toByteArray()).stream().map(RawEntry::name).toList(),
                "a host ID outside the maps leaves the entry out");
        assertEquals(0, e.get("a/").uid());
        assertEquals(5, e.get("a/f").uid());
        assertEquals(7, e.get("a/f").gid());
        assertEquals("", e.get("a/f").uname(), "names are looked up by host ID, which has none here");
        assertEquals(100001, e.get("a/.wh.old").uid());
    }

    @Test
    void tarTreeWritesTheWholeTreeWithoutItsRoot() throws Exception {
        Path dir = tmp.resolve("layer");
        Files.createDirectories(dir);
        file(dir.resolve("bin/tool"), "#!/bin/sh\n");
        PosixFs.chmod(dir.resolve("bin/tool"), 04755);
        PosixFs.setXattr(dir.resolve("bin/tool"), "security.capability", CAP);
        PosixFs.setXattr(dir.resolve("bin/tool"), "user.b", "2".getBytes(StandardCharsets.UTF_8));
        PosixFs.setXattr(dir.resolve("bin/tool"), "user.a", "1".getBytes(StandardCharsets.UTF_8));
        PosixFs.setXattr(dir.resolve("bin/tool"), "trusted.ignored", "x".getBytes(StandardCharsets.UTF_8));
        PosixFs.chmod(dir.resolve("bin"), 01750);
        file(dir.resolve("bin-x"), "");
        io.cargohold.storage.internal.PosixFs.symlink("../x//y/".getBytes(java.nio.charset.StandardCharsets.UTF_8), dir.resolve("bin/link"));
        PosixFs.mknod(dir.resolve("fifo"), FsStat.S_IFIFO | 0640, 0);
        PosixFs.mknod(dir.resolve("null"), FsStat.S_IFCHR | 0666, (1 << 8) | 3);
        PosixFs.chmod(dir.resolve("null"), 0666); // mknod applies the umask
        file(dir.resolve("h1"), "hard");
        Files.createLink(dir.resolve("h2"), dir.resolve("h1"));
        try (ServerSocketChannel s = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(dir.resolve("sock")));
        }
        String longName = "ü".repeat(40) + "/" + "n".repeat(120);
        file(dir.resolve(longName), "long");
        mtime(dir.resolve("h1"), 1_700_000_000L, 700_000_000);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TreeArchiver.tarTree(dir, List.of(), List.of(), out);
        byte[] tar = out.toByteArray();
        assertEquals(0, tar.length % 512);
        List<RawEntry> entries = readTar(tar);
        assertEquals(List.of("bin/", "bin/link", "bin/tool", "bin-x", "fifo", "h1", "h2", "null", "ü".repeat(40) + "/",
                longName), entries.stream().map(RawEntry::name).toList());
        Map<String, RawEntry> e = byName(entries);
        assertEquals(041750, e.get("bin/").mode());
        assertEquals('2', e.get("bin/link").type());
        assertEquals("../x//y/", e.get("bin/link").linkname());
        assertEquals(0120777, e.get("bin/link").mode());
        RawEntry tool = e.get("bin/tool");
        assertEquals(0104755, tool.mode());
        assertArrayEquals(CAP, tool.pax().get("SCHILY.xattr.security.capability"));
        assertEquals("1", tool.xattr("user.a"));
        assertEquals("2", tool.xattr("user.b"));
        assertFalse(tool.pax().containsKey("SCHILY.xattr.trusted.ignored"));
        assertEquals(List.of("SCHILY.xattr.security.capability", "SCHILY.xattr.user.a", "SCHILY.xattr.user.b"),
                List.copyOf(tool.pax().keySet()), "PAX records sorted by key, as Go writes them");
        assertEquals('6', e.get("fifo").type());
        assertEquals(010640, e.get("fifo").mode());
        assertEquals('3', e.get("null").type());
        assertEquals(020666, e.get("null").mode());
        assertEquals(1, e.get("null").devMajor());
        assertEquals(3, e.get("null").devMinor());
        assertEquals('0', e.get("h1").type());
        assertEquals(1_700_000_000L, e.get("h1").mtime());
        assertEquals('1', e.get("h2").type());
        assertEquals("h1", e.get("h2").linkname());
        assertEquals("long", new String(e.get(longName).content(), StandardCharsets.UTF_8));
        assertNull(e.get("sock"));
        assertTrue(e.get("h1").pax().isEmpty(), "no PAX header when USTAR holds everything");
    }

    @Test
    void tarTreeMapsOwnersAndReportsLargeIdsInPax() throws Exception {
        Path dir = tmp.resolve("layer");
        file(dir.resolve("f"), "x");
        file(dir.resolve("g"), "x");
        PosixFs.lchown(dir, 100000, 100000);
        PosixFs.lchown(dir.resolve("f"), 165535, 100000);
        PosixFs.lchown(dir.resolve("g"), 3_000_000, 3_000_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TreeArchiver.tarTree(dir, List.of(new IdMap(0, 100000, 65536)), List.of(new IdMap(0, 100000, 65536)), out);
        assertEquals(List.of("f"), readTar(out.toByteArray()).stream().map(RawEntry::name).toList());
        assertEquals(65535, readTar(out.toByteArray()).get(0).uid());
        out.reset();
        TreeArchiver.tarTree(dir, List.of(), List.of(), out);
        RawEntry g = byName(readTar(out.toByteArray())).get("g");
        assertEquals(3_000_000, g.uid());
        assertEquals("3000000", new String(g.pax().get("uid"), StandardCharsets.US_ASCII));
    }
}
