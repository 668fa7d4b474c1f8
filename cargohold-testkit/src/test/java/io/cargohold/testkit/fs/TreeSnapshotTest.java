package io.cargohold.testkit.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeSnapshotTest {
    private static final MethodHandle LSETXATTR = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("lsetxattr"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private static boolean setXattr(Path p, String name, byte[] value) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(Math.max(1, value.length));
            v.copyFrom(MemorySegment.ofArray(value));
            return (int) LSETXATTR.invokeExact(a.allocateFrom(p.toString()), a.allocateFrom(name), v, (long) value.length, 0) == 0;
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** A tree with one of everything; the same calls give the same tree (but for inode numbers). */
    private static Path tree(Path dir) throws Throwable {
        Files.createDirectories(dir.resolve("usr/bin"));
        Path x = Files.writeString(dir.resolve("usr/bin/x"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(x, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(x, "unix:mode", 04755);
        Files.createLink(dir.resolve("usr/bin/x-link"), x);
        Files.createSymbolicLink(dir.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("/nonexistent"));
        Files.createDirectory(dir.resolve("tmp"));
        Files.setAttribute(dir.resolve("tmp"), "unix:mode", 01777);
        Files.write(dir.resolve("empty"), new byte[0]);
        new ProcessBuilder("mkfifo", dir.resolve("fifo").toString()).start().waitFor();
        Files.writeString(dir.resolve("caf\u00e9"), "nfc");
        Path tagged = Files.writeString(dir.resolve("tagged"), "x");
        setXattr(tagged, "user.comment", "hello".getBytes());
        setXattr(tagged, "user.bin", new byte[] {0, 1, (byte) 0xff});
        if (isRoot()) {
            setXattr(tagged, "trusted.overlay.opaque", "y".getBytes());
            Files.setAttribute(dir.resolve("empty"), "unix:uid", 1234);
            new ProcessBuilder("mknod", dir.resolve("null").toString(), "c", "1", "3").start().waitFor();
        }
        // touch -h: utimensat without following symlinks and without opening (the JDK opens, and blocks on the FIFO)
        try (var all = Files.walk(dir)) {
            List<String> cmd = new java.util.ArrayList<>(List.of("touch", "-h", "-d", "@1700000000.123456789"));
            all.forEach(p -> cmd.add(p.toString()));
            assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor());
        }
        return dir;
    }

    @Test
    void capturesTypesModesOwnersContentLinksXattrs(@TempDir Path tmp) throws Throwable {
        TreeSnapshot s = TreeSnapshot.of(tree(tmp.resolve("t")));
        var n = s.nodes();
        assertEquals(TreeSnapshot.Type.DIR, n.get(".").type());
        assertEquals(04755, n.get("usr/bin/x").mode());
        assertEquals(TreeSnapshot.Type.FILE, n.get("usr/bin/x").type());
        assertEquals(10, n.get("usr/bin/x").size());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", n.get("empty").sha256());
        assertEquals(01777, n.get("tmp").mode());
        assertEquals(TreeSnapshot.Type.SYMLINK, n.get("bin").type());
        assertEquals("usr/bin", n.get("bin").target());
        assertEquals("/nonexistent", n.get("dangling").target());
        assertEquals(TreeSnapshot.Type.FIFO, n.get("fifo").type());
        assertEquals(1_700_000_000_123_456_789L, n.get("usr/bin/x").mtimeNanos());
        assertEquals(Set.of("usr/bin/x", "usr/bin/x-link"), s.hardLinks("usr/bin/x"));
        assertEquals(Set.of(), s.hardLinks("empty"));
        assertTrue(n.containsKey("caf\u00e9"));
        var xattrs = n.get("tagged").xattrs();
        if (!xattrs.isEmpty()) { // the file system has user xattrs
            assertEquals("\"hello\"", xattrs.get("user.comment"));
            assertEquals("0x0001ff", xattrs.get("user.bin"));
        }
        if (isRoot()) {
            assertEquals("\"y\"", xattrs.get("trusted.overlay.opaque"), "trusted.* is read too");
            assertEquals(1234, n.get("empty").uid());
            assertEquals(TreeSnapshot.Type.CHAR, n.get("null").type());
            assertEquals(0x103, n.get("null").rdev());
        }
        assertEquals(List.of(), s.differences(TreeSnapshot.of(tmp.resolve("t"))));
    }

    @Test
    void equalTreesHaveNoDifferencesAndChangesAreNamed(@TempDir Path tmp) throws Throwable {
        Path a = tree(tmp.resolve("a"));
        Path b = tree(tmp.resolve("b"));
        TreeSnapshot.assertSameTree(a, b, TreeSnapshot.Options.DEFAULT);

        Files.setAttribute(b.resolve("usr/bin/x"), "unix:mode", 0750);
        Files.writeString(b.resolve("caf\u00e9"), "NFC");
        Files.delete(b.resolve("usr/bin/x-link"));
        Files.writeString(b.resolve("usr/bin/x-link"), "#!/bin/sh\n");
        Files.delete(b.resolve("dangling"));
        Files.createDirectory(b.resolve("dangling"));
        Files.delete(b.resolve("empty"));
        Files.writeString(b.resolve("new"), "");
        Files.delete(b.resolve("bin"));
        Files.createSymbolicLink(b.resolve("bin"), Path.of("/usr/bin"));
        setXattr(b.resolve("tagged"), "user.comment", "bye".getBytes());
        Files.setLastModifiedTime(b.resolve("tmp"), FileTime.from(Instant.ofEpochSecond(5)));

        var d = TreeSnapshot.of(a).differences(TreeSnapshot.of(b));
        String all = String.join("\n", d);
        assertTrue(d.contains("usr/bin/x: mode 4755 != 0750"), all);
        assertTrue(d.contains("usr/bin/x: hard links [usr/bin/x, usr/bin/x-link] != (none)"), all);
        assertTrue(d.stream().anyMatch(s -> s.startsWith("caf\u00e9: content sha256 ")), all);
        assertTrue(d.contains("dangling: type symlink != dir"), all);
        assertTrue(d.contains("empty: missing (expected file)"), all);
        assertTrue(d.contains("new: unexpected file"), all);
        assertTrue(d.contains("bin: target usr/bin != /usr/bin"), all);
        assertTrue(d.contains("tmp: mtime 1700000000.123456789 != 5.000000000"), all);
        if (!TreeSnapshot.of(a).nodes().get("tagged").xattrs().isEmpty()) {
            assertTrue(d.contains("tagged: xattr user.comment \"hello\" != \"bye\""), all);
        }
        TreeSnapshot.Options ignore = TreeSnapshot.Options.builder().ignoreDirMtimes().ignoreXattrs().build();
        var d2 = TreeSnapshot.of(a, ignore).differences(TreeSnapshot.of(b, ignore));
        assertTrue(d2.stream().noneMatch(s -> s.startsWith("tmp: mtime") || s.contains("xattr")), String.join("\n", d2));

        AssertionError e = assertThrows(AssertionError.class, () -> TreeSnapshot.assertSameTree(a, b, TreeSnapshot.Options.DEFAULT));
        assertTrue(e.getMessage().contains("usr/bin/x: mode 4755 != 0750"), e.getMessage());
        TreeSnapshot.Options excluding = TreeSnapshot.Options.builder().exclude(p -> !p.equals(".") && !p.equals("usr")
                && !p.equals("usr/bin") && !p.equals("usr/bin/x")).ignoreMtimes().build();
        Files.setAttribute(b.resolve("usr/bin/x"), "unix:mode", 04755);
        Files.setLastModifiedTime(b.resolve("usr/bin/x"), FileTime.from(Instant.ofEpochSecond(7)));
        Files.delete(a.resolve("usr/bin/x-link")); // hard link groups are compared too
        TreeSnapshot.assertSameTree(a, b, excluding);
    }

    @Test
    void ownerChangesAndTheirOption(@TempDir Path tmp) throws Throwable {
        Assumptions.assumeTrue(isRoot(), "chown needs root");
        Path a = tree(tmp.resolve("a"));
        Path b = tree(tmp.resolve("b"));
        Files.setAttribute(b.resolve("tagged"), "unix:gid", 50, LinkOption.NOFOLLOW_LINKS);
        assertEquals(List.of("tagged: owner 0:0 != 0:50"), TreeSnapshot.of(a).differences(TreeSnapshot.of(b)));
        TreeSnapshot.assertSameTree(a, b, TreeSnapshot.Options.builder().ignoreOwners().build());
    }

    @Test
    void twentyThousandFilesInAFewSeconds(@TempDir Path tmp) throws IOException {
        Path r = tmp.resolve("many");
        for (int d = 0; d < 100; d++) {
            Path dir = Files.createDirectories(r.resolve("d" + d));
            for (int f = 0; f < 200; f++) {
                Files.writeString(dir.resolve("f" + f), "content " + d + " " + f);
            }
        }
        long t = System.nanoTime();
        TreeSnapshot s = TreeSnapshot.of(r);
        TreeSnapshot s2 = TreeSnapshot.of(r);
        assertEquals(List.of(), s.differences(s2));
        long ms = (System.nanoTime() - t) / 1_000_000;
        assertEquals(20_101, s.nodes().size());
        assertTrue(ms < 20_000, "two snapshots and a comparison of 20k files took " + ms + " ms");
        System.out.println("TreeSnapshot: 2 x 20k files + compare in " + ms + " ms");
    }
}
