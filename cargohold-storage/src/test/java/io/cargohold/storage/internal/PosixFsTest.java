package io.cargohold.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** symlink(2) keeps every target byte for byte, whichever way (JDK or native call) it takes. */
class PosixFsTest {
    @Test
    void symlinkTargetsAreStoredExactlyAsGiven(@TempDir Path dir) throws Exception {
        String[] targets = {"../abc/diff", "a/", "a//b", "./x", "/abs/path", "x/../y", "sp ace", "tab\there", "\u00e9t\u00e9",
            "trailing/.", "//double", "a\\b"};
        int i = 0;
        for (String t : targets) {
            byte[] bytes = t.getBytes(StandardCharsets.UTF_8);
            Path link = dir.resolve("l" + i++);
            PosixFs.symlink(bytes, link);
            assertArrayEquals(bytes, PosixFs.readlink(link).getBytes(StandardCharsets.UTF_8), t);
            assertThrows(FileAlreadyExistsException.class, () -> PosixFs.symlink(bytes, link), t);
        }
    }

    @Test
    void onlyPlainTargetsInNormalFormTakeTheJdkPath() {
        assertTrue(PosixFs.jdkKeepsAsIs("../abc/diff".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(PosixFs.jdkKeepsAsIs("/abs/path".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PosixFs.jdkKeepsAsIs("a/".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PosixFs.jdkKeepsAsIs("a//b".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PosixFs.jdkKeepsAsIs("tab\there".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PosixFs.jdkKeepsAsIs("\u00e9".getBytes(StandardCharsets.UTF_8)));
        assertFalse(PosixFs.jdkKeepsAsIs(new byte[0]));
    }

    @Test
    void permissionSetsMatchTheirModes() {
        for (int m = 0; m < 01000; m++) {
            StringBuilder want = new StringBuilder();
            for (int b = 8; b >= 0; b--) {
                want.append((m & (1 << b)) == 0 ? '-' : "xwr".charAt(b % 3));
            }
            assertEquals(want.toString(), java.nio.file.attribute.PosixFilePermissions.toString(PosixFs.permissions(m)), Integer.toOctalString(m));
        }
        assertEquals(PosixFs.permissions(0755), PosixFs.permissions(04755), "only the nine permission bits");
    }

    @Test
    void lstatTypeTellsTheTypeWithoutFollowingAndZeroForNothing(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectory(dir.resolve("d"));
        java.nio.file.Files.writeString(dir.resolve("f"), "x");
        java.nio.file.Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        java.nio.file.Files.createSymbolicLink(dir.resolve("to-dir"), dir.resolve("d"));
        PosixFs.mknod(dir.resolve("fifo"), 0010644, 0);
        assertEquals(PosixFs.S_IFDIR, PosixFs.lstatType(dir.resolve("d")));
        assertEquals(0100000, PosixFs.lstatType(dir.resolve("f")));
        assertEquals(PosixFs.S_IFLNK, PosixFs.lstatType(dir.resolve("dangling")));
        assertEquals(PosixFs.S_IFLNK, PosixFs.lstatType(dir.resolve("to-dir")));
        assertEquals(0010000, PosixFs.lstatType(dir.resolve("fifo")));
        assertEquals(0, PosixFs.lstatType(dir.resolve("missing")));
        assertEquals(0, PosixFs.lstatType(dir.resolve("f/below-a-file"))); // ENOTDIR
        assertEquals(0, PosixFs.lstatType(dir.resolve("missing/deeper")));
    }
}
