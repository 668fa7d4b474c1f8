package io.cargohold.storage.internal;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removal of whole trees, shared by layer deletion, extraction and copies. */
public final class Trees {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private Trees() {
    }

    /**
     * Removes {@code dir} and everything below it without following symbolic links, making read-only
     * directories writable on the way. As upstream's {@code EnsureRemoveAll}, entries may vanish or
     * appear while the tree is walked (a killed skopeo's {@code storage-applyLayer} helper, chrooted
     * into a layer, can still be extracting or removing its temporary directory when the next process
     * deletes the incomplete layer): a vanished entry counts as removed, and the walk is repeated while
     * the directory is still there. A missing {@code dir} is fine; a non-directory is simply deleted.
     */
    public static void removeAll(Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(dir, NOFOLLOW)) {
                return;
            }
            if (!Files.isDirectory(dir, NOFOLLOW)) {
                Files.deleteIfExists(dir);
                return;
            }
            try {
                removeOnce(dir);
                return;
            } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                if (attempt >= 50) {
                    throw e;
                }
            }
        }
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");

    private static void removeOnce(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                try {
                    // chmod(2) by path, as the JDK does when it follows links (with NOFOLLOW it would open the
                    // directory, which mode 000 forbids); not PosixFs.chmod, whose FFM stub costs a process
                    // that only removes a tree ~10-30 ms to generate. walkFileTree hands over directories only
                    // (no links), as it did to PosixFs.chmod, which followed links too.
                    Files.setPosixFilePermissions(d, OWNER_ONLY);
                } catch (NoSuchFileException gone) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

}
