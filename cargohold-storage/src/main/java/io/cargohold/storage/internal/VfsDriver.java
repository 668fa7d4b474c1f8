package io.cargohold.storage.internal;

import io.cargohold.storage.IdMap;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The vfs driver's layer trees: {@code G/vfs/dir/ID}. A base layer is an empty directory (0555, owned
 * by the store's root); a child starts as a complete copy of its parent (vfs has no copy-on-write):
 * contents, modes (setuid/setgid/sticky too), owners (shifted when the child's ID maps differ from the
 * parent's, as upstream's chown-by-maps does), nanosecond times, hard links within the tree, symlinks,
 * FIFOs and device nodes, and the xattrs {@code security.capability}, {@code user.*} and
 * {@code trusted.overlay.opaque}.
 */
final class VfsDriver {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private final StoreLayout layout;

    VfsDriver(StoreLayout layout) {
        this.layout = layout;
    }

    Path dir(String id) {
        return layout.layerTree(id);
    }

    void create(String id, Path parentTree, long rootUid, long rootGid, List<IdMap> fromUid, List<IdMap> fromGid,
                List<IdMap> toUid, List<IdMap> toGid) throws IOException {
        Files.createDirectories(layout.layerTrees(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path dir = dir(id);
        if (parentTree == null) {
            Files.createDirectory(dir);
            Files.setAttribute(dir, "unix:uid", (int) rootUid, NOFOLLOW);
            Files.setAttribute(dir, "unix:gid", (int) rootGid, NOFOLLOW);
            Files.setAttribute(dir, "unix:mode", 0555, NOFOLLOW);
            return;
        }
        copyTree(parentTree, dir, fromUid, fromGid, toUid, toGid);
    }

    /** Removes a layer tree ({@link Trees#removeAll}). */
    void remove(String id) throws IOException {
        Trees.removeAll(dir(id));
    }

    private static long nanos(FileTime t) {
        java.time.Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static long mapId(long id, List<IdMap> from, List<IdMap> to) {
        long container = id;
        if (!from.isEmpty()) {
            container = -1;
            for (IdMap m : from) {
                if (id >= m.hostId() && id < m.hostId() + m.size()) {
                    container = m.containerId() + (id - m.hostId());
                    break;
                }
            }
            if (container < 0) {
                return id; // not mapped: upstream leaves such owners alone (overflow ID handling aside)
            }
        }
        if (to.isEmpty()) {
            return container;
        }
        for (IdMap m : to) {
            if (container >= m.containerId() && container < m.containerId() + m.size()) {
                return m.hostId() + (container - m.containerId());
            }
        }
        return container;
    }

    private static void copyTree(Path src, Path dst, List<IdMap> fromUid, List<IdMap> fromGid, List<IdMap> toUid, List<IdMap> toGid)
            throws IOException {
        Map<Object, Path> linked = new HashMap<>();
        Deque<Path[]> dirs = new ArrayDeque<>();
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path target = dst.resolve(src.relativize(d).toString());
                Files.createDirectory(target);
                dirs.push(new Path[] {d, target});
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Path target = dst.resolve(src.relativize(f).toString());
                int nlink = (int) Files.getAttribute(f, "unix:nlink", NOFOLLOW);
                if (!attrs.isDirectory() && !attrs.isSymbolicLink() && nlink > 1) {
                    Path first = linked.get(attrs.fileKey());
                    if (first != null) {
                        Files.createLink(target, first);
                        return FileVisitResult.CONTINUE;
                    }
                    linked.put(attrs.fileKey(), target);
                }
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(f));
                } else if (attrs.isRegularFile()) {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES, NOFOLLOW);
                } else {
                    int mode = (int) Files.getAttribute(f, "unix:mode", NOFOLLOW);
                    long rdev = (long) Files.getAttribute(f, "unix:rdev", NOFOLLOW);
                    PosixFs.mknod(target, mode, rdev);
                }
                copyMetadata(f, target, attrs, fromUid, fromGid, toUid, toGid);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Path[] pair = dirs.pop();
                copyMetadata(pair[0], pair[1], Files.readAttributes(pair[0], BasicFileAttributes.class, NOFOLLOW),
                        fromUid, fromGid, toUid, toGid);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void copyMetadata(Path from, Path to, BasicFileAttributes attrs, List<IdMap> fromUid, List<IdMap> fromGid,
                                     List<IdMap> toUid, List<IdMap> toGid) throws IOException {
        long uid = Integer.toUnsignedLong((int) Files.getAttribute(from, "unix:uid", NOFOLLOW));
        long gid = Integer.toUnsignedLong((int) Files.getAttribute(from, "unix:gid", NOFOLLOW));
        Files.setAttribute(to, "unix:uid", (int) mapId(uid, fromUid, toUid), NOFOLLOW);
        Files.setAttribute(to, "unix:gid", (int) mapId(gid, fromGid, toGid), NOFOLLOW);
        for (String name : PosixFs.listXattrs(from)) {
            if (name.equals("security.capability") || name.startsWith("user.") || name.equals("trusted.overlay.opaque")) {
                byte[] v = PosixFs.getXattr(from, name);
                if (v != null) {
                    PosixFs.setXattr(to, name, v);
                }
            }
        }
        if (!attrs.isSymbolicLink()) {
            // after chown, which clears setuid/setgid; by path (the JDK would open a FIFO and block)
            PosixFs.chmod(to, (int) Files.getAttribute(from, "unix:mode", NOFOLLOW) & 07777);
        }
        FileTime atime = (FileTime) Files.getAttribute(from, "unix:lastAccessTime", NOFOLLOW);
        PosixFs.setTimes(to, nanos(atime), nanos(attrs.lastModifiedTime()));
    }
}
