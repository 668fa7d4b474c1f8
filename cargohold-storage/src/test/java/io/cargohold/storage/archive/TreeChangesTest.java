package io.cargohold.storage.archive;

import static io.cargohold.storage.archive.Trees.cpA;
import static io.cargohold.storage.archive.Trees.file;
import static io.cargohold.storage.archive.Trees.mtime;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeChangesTest {
    @TempDir
    Path tmp;

    /** The old tree of the main scenario: every file mtime at a whole second plus 123 ns. */
    static Path oldTree(Path root) throws Exception {
        Path old = root.resolve("old");
        Files.createDirectories(old);
        for (String f : List.of("etc/conf", "etc/mode", "etc/owner", "etc/mtime", "etc/xattr", "etc/capfile",
                "etc/nsec", "etc/nsec2", "etc/same", "gone", "gonedir/x", "gonedir/sub/y", "t", "links/a",
                "unchanged/f")) {
            file(old.resolve(f), "content of " + f);
            mtime(old.resolve(f), 1_600_000_000L, 123);
        }
        PosixFs.setXattr(old.resolve("etc/xattr"), "user.k", "v1".getBytes(StandardCharsets.UTF_8));
        Files.createLink(old.resolve("links/b"), old.resolve("links/a"));
        return old;
    }

    @Test
    void listsEveryKindOfChangeSortedByPath() throws Exception {
        Path old = oldTree(tmp);
        Path nu = tmp.resolve("new");
        cpA(old, nu);
        assertEquals(List.of(), TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of()));

        file(nu.resolve("etc/conf"), "changed content");
        mtime(nu.resolve("etc/conf"), 1_600_000_000L, 123);
        PosixFs.chmod(nu.resolve("etc/mode"), 0600);
        PosixFs.lchown(nu.resolve("etc/owner"), 1000, 1000);
        mtime(nu.resolve("etc/mtime"), 1_600_000_001L, 123);
        PosixFs.setXattr(nu.resolve("etc/xattr"), "user.k", "v2".getBytes(StandardCharsets.UTF_8));
        PosixFs.setXattr(nu.resolve("etc/capfile"), "security.capability",
                new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        mtime(nu.resolve("etc/nsec"), 1_600_000_000L, 0); // nanoseconds lost, as through tar: same
        mtime(nu.resolve("etc/nsec2"), 1_600_000_000L, 456); // both with nanoseconds, different: modified
        file(nu.resolve("etc/newfile"), "n");
        file(nu.resolve("newdir/a"), "a");
        file(nu.resolve("newdir/sub/b"), "b");
        Files.delete(nu.resolve("gone"));
        Files.delete(nu.resolve("gonedir/sub/y"));
        Files.delete(nu.resolve("gonedir/sub"));
        Files.delete(nu.resolve("gonedir/x"));
        Files.delete(nu.resolve("gonedir"));
        Files.delete(nu.resolve("t"));
        file(nu.resolve("t/inner"), "i");
        Files.createLink(nu.resolve("links/c"), nu.resolve("links/a"));

        List<Change> changes = TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of());
        assertEquals(List.of(
                "C /etc", "C /etc/capfile", "C /etc/conf", "C /etc/mode", "C /etc/mtime", "A /etc/newfile",
                "C /etc/nsec2", "C /etc/owner", "C /etc/xattr", "D /gone", "D /gonedir", "C /links",
                "A /links/c", "A /newdir", "A /newdir/a", "A /newdir/sub", "A /newdir/sub/b", "C /t", "A /t/inner"),
                changes.stream().map(Change::toString).toList());
        assertEquals(new Change("/etc", Change.Kind.MODIFY), changes.get(0));
    }

    @Test
    void nullParentMeansEverythingIsAdded() throws Exception {
        Path dir = tmp.resolve("d");
        file(dir.resolve("a/b/c"), "x");
        file(dir.resolve("a-b"), "y");
        assertEquals(List.of("A /a", "A /a-b", "A /a/b", "A /a/b/c"),
                TreeChanges.between(dir, List.of(), List.of(), null, List.of(), List.of()).stream()
                        .map(Change::toString).toList());
    }

    /** No parent (null) is an empty tree, compared without creating one (upstream makes a temporary directory). */
    @Test
    void anAbsentParentIsAnEmptyDirectory() throws Exception {
        Path tree = oldTree(tmp);
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        List<IdMap> shifted = List.of(new IdMap(0, 100000, 65536));
        List<Change> againstEmpty = TreeChanges.between(tree, shifted, shifted, empty, List.of(), List.of());
        assertEquals(againstEmpty, TreeChanges.between(tree, shifted, shifted, null, List.of(), List.of()));
        assertEquals(21, againstEmpty.size()); // 16 files and links, 5 directories
        // a new side that is not a directory: no changes either way
        assertEquals(TreeChanges.between(tree.resolve("t"), List.of(), List.of(), empty, List.of(), List.of()),
                TreeChanges.between(tree.resolve("t"), List.of(), List.of(), null, List.of(), List.of()));
    }

    @Test
    void ownersAreComparedThroughEachSidesMaps() throws Exception {
        Path old = tmp.resolve("old");
        file(old.resolve("f"), "x");
        file(old.resolve("g"), "x");
        mtime(old.resolve("f"), 1_600_000_000L, 0);
        mtime(old.resolve("g"), 1_600_000_000L, 0);
        Path nu = tmp.resolve("new");
        cpA(old, nu);
        List<IdMap> shifted = List.of(new IdMap(0, 100000, 65536));
        PosixFs.lchown(nu.resolve("f"), 100000, 100000); // container root on both sides
        PosixFs.lchown(nu.resolve("g"), 100001, 100000); // container uid 1
        assertEquals(List.of("C /g"), TreeChanges.between(nu, shifted, shifted, old, List.of(), List.of()).stream()
                .map(Change::toString).toList());
        // Without the new side's maps both files have different host owners.
        assertEquals(List.of("C /f", "C /g"), TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of())
                .stream().map(Change::toString).toList());
    }

    @Test
    void sameInodeOnBothSidesIsNotCompared() throws Exception {
        Path old = tmp.resolve("old");
        Path nu = tmp.resolve("new");
        file(old.resolve("shared"), "x");
        Files.createDirectories(nu);
        Files.createLink(nu.resolve("shared"), old.resolve("shared"));
        assertEquals(List.of(), TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of()));
    }

    @Test
    void blockDeviceReplacingDirectoryListsOldChildrenAsDeletedAsUpstream() throws Exception {
        // Upstream's isDir() tests mode & S_IFDIR, which a block device's type bits include.
        Path old = tmp.resolve("old");
        file(old.resolve("d/x"), "x");
        Path nu = tmp.resolve("new");
        Files.createDirectories(nu);
        PosixFs.mknod(nu.resolve("d"), FsStat.S_IFBLK | 0600, (7 << 8) | 1);
        assertEquals(List.of("C /d", "D /d/x"), TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of())
                .stream().map(Change::toString).toList());
        Path nu2 = tmp.resolve("new2");
        file(nu2.resolve("d"), "now a file");
        assertEquals(List.of("C /d"), TreeChanges.between(nu2, List.of(), List.of(), old, List.of(), List.of())
                .stream().map(Change::toString).toList());
    }

    @Test
    void sizeCountsAddedAndModifiedFilesAndHardLinkedInodesOnce() throws Exception {
        Path old = tmp.resolve("old");
        file(old.resolve("keep"), "12345678");
        Path nu = tmp.resolve("new");
        cpA(old, nu);
        file(nu.resolve("dir/ten"), "0123456789");
        file(nu.resolve("five"), "abcde");
        Files.createLink(nu.resolve("five-again"), nu.resolve("five"));
        Files.createLink(nu.resolve("dir/five-3"), nu.resolve("five"));
        Files.writeString(nu.resolve("keep"), "123");
        List<Change> changes = TreeChanges.between(nu, List.of(), List.of(), old, List.of(), List.of());
        assertEquals(List.of("A /dir", "A /dir/five-3", "A /dir/ten", "A /five", "A /five-again", "C /keep"),
                changes.stream().map(Change::toString).toList());
        assertEquals(10 + 5 + 3, TreeChanges.size(nu, changes));
        // Deletions and paths that are gone do not count.
        assertEquals(0, TreeChanges.size(nu, List.of(new Change("/keep", Change.Kind.DELETE),
                new Change("/missing", Change.Kind.ADD))));
    }
}
