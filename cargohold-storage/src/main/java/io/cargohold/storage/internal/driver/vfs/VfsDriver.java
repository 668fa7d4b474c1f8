package io.cargohold.storage.internal.driver.vfs;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.LayerArchive;
import io.cargohold.storage.archive.TreeArchiver;
import io.cargohold.storage.archive.TreeChanges;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.storage.internal.StoreLayout;
import io.cargohold.storage.internal.Trees;
import io.cargohold.storage.internal.driver.GraphDriver;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.ArrayList;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
public final class VfsDriver implements GraphDriver {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private final StoreLayout layout;
    /** The additional (read-only) image stores' layouts, searched after the home as upstream's {@code homes}. */
    private final List<StoreLayout> additional;

    public VfsDriver(StoreLayout layout, List<StoreLayout> additional) {
        this.layout = layout;
        this.additional = List.copyOf(additional);
    }

    @Override
    public String name() {
        return "vfs";
    }

    /** The layer's tree: in the home, else in the first additional store that has it, else (absent) in the home. */
    public Path dir(String id) {
        Path home = layout.layerTree(id);
        if (Files.isDirectory(home) || additional.isEmpty()) {
            return home;
        }
        for (StoreLayout s : additional) {
            Path p = s.layerTree(id);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return home;
    }

    @Override
    public Path tree(String id) {
        return dir(id);
    }

    @Override
    public Path diffRoot(String id) {
        return dir(id);
    }

    @Override
    public boolean exists(String id) {
        return Files.isDirectory(dir(id));
    }

    /**
     * A base layer is an empty directory (0555, owned by container root's host IDs); a child starts as a
     * full copy of its parent's tree, owners shifted from the parent's maps to the layer's.
     */
    @Override
    public void create(LayerRef layer, LayerRef parent) throws IOException {
        create(layer.id(), parent == null ? null : dir(parent.id()), mapId(0, List.of(), layer.uidMap()), mapId(0, List.of(), layer.gidMap()),
                parent == null ? List.of() : parent.uidMap(), parent == null ? List.of() : parent.gidMap(), layer.uidMap(), layer.gidMap());
    }

    void create(String id, Path parentTree, long rootUid, long rootGid, List<IdMap> fromUid, List<IdMap> fromGid,
                List<IdMap> toUid, List<IdMap> toGid) throws IOException {
        Files.createDirectories(layout.layerTrees(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path dir = layout.layerTree(id);
        if (parentTree == null) {
            Files.createDirectory(dir);
            Files.setAttribute(dir, "unix:uid", (int) rootUid, NOFOLLOW);
            Files.setAttribute(dir, "unix:gid", (int) rootGid, NOFOLLOW);
            Files.setAttribute(dir, "unix:mode", 0555, NOFOLLOW);
            return;
        }
        copyTree(parentTree, dir, fromUid, fromGid, toUid, toGid);
    }

    /** Removes a layer tree of the home ({@link Trees#removeAll}). */
    @Override
    public void remove(String id) throws IOException {
        Trees.removeAll(layout.layerTree(id));
    }

    /** vfs mounts nothing: the tree itself (mount counts are the layer store's). */
    @Override
    public Path get(String id, MountOptions options) throws IOException {
        Path dir = dir(id);
        if (!Files.isDirectory(dir)) {
            throw new io.cargohold.errors.NotFoundException("layer " + id + " has no tree at " + dir);
        }
        return dir;
    }

    @Override
    public Path mountPath(String id) {
        return dir(id);
    }

    @Override
    public void put(String id) {
        // nothing mounted
    }

    @Override
    public ApplyResult applyDiff(LayerRef layer, InputStream diff, OutputStream tarSplit, ApplyOptions options) throws IOException {
        Path tree = layout.layerTree(layer.id());
        ApplyResult r = LayerArchive.apply(diff, tree, tarSplit, options);
        PosixFs.syncfs(tree);
        return r;
    }

    /** Upstream's naive diff: the whole tree for a base layer, else the changes against {@code parent}. */
    @Override
    public void diff(LayerRef layer, LayerRef parent, OutputStream out) throws IOException {
        if (parent == null) {
            TreeArchiver.tarTree(dir(layer.id()), layer.uidMap(), layer.gidMap(), out);
            return;
        }
        List<Change> changes = changes(layer, parent);
        TreeArchiver.exportChanges(dir(layer.id()), changes, layer.uidMap(), layer.gidMap(), out);
    }

    @Override
    public List<Change> changes(LayerRef layer, LayerRef parent) throws IOException {
        return TreeChanges.between(dir(layer.id()), layer.uidMap(), layer.gidMap(), parent == null ? null : dir(parent.id()),
                parent == null ? List.of() : parent.uidMap(), parent == null ? List.of() : parent.gidMap());
    }

    @Override
    public long diffSize(LayerRef layer, LayerRef parent) throws IOException {
        return TreeChanges.size(dir(layer.id()), changes(layer, parent));
    }

    @Override
    public List<Map.Entry<String, String>> status() {
        return List.of();
    }

    @Override
    public Map<String, String> metadata(String id) {
        return Map.of();
    }

    @Override
    public void cleanup() {
        // nothing to undo
    }

    private static long nanos(FileTime t) {
        java.time.Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    public static long mapId(long id, List<IdMap> from, List<IdMap> to) {
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

    /** The attributes a tree copy needs, read with one lstat per entry. */
    private static final String UNIX_ATTRS = "unix:mode,uid,gid,nlink,rdev,lastAccessTime,lastModifiedTime,fileKey,isSymbolicLink";

    /** Threads that copy regular files in {@link #copyTree} (the walk itself creates directories and links). */
    private static final int COPY_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /**
     * Copies a parent layer's tree as upstream's vfs driver does (contents, owners mapped, the xattrs it copies,
     * modes, times; hard links as links). This thread walks the tree, creating directories, symlinks, devices and
     * hard-linked files in order; regular files are copied by {@link #COPY_THREADS} threads meanwhile (the kernel's
     * work for a file, most of a copy's time, runs on every core); the directories' own owners, modes and times are
     * set last, children first, once nothing is created in them any more.
     */
    private static void copyTree(Path src, Path dst, List<IdMap> fromUid, List<IdMap> fromGid, List<IdMap> toUid, List<IdMap> toGid)
            throws IOException {
        Map<Object, Path> linked = new HashMap<>();
        List<Object[]> dirs = new ArrayList<>(); // children before parents
        Deque<Object[]> open = new ArrayDeque<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ThreadPoolExecutor pool = COPY_THREADS < 2 ? null : new ThreadPoolExecutor(COPY_THREADS, COPY_THREADS, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(512), r -> {
                    Thread t = new Thread(r, "vfs-copy");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        try {
            Files.walkFileTree(src, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    Path target = dst.resolve(src.relativize(d).toString());
                    Files.createDirectory(target);
                    open.push(new Object[] {d, target, Files.readAttributes(d, UNIX_ATTRS, NOFOLLOW)});
                    return failure.get() == null ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Path target = dst.resolve(src.relativize(f).toString());
                    Map<String, Object> u = Files.readAttributes(f, UNIX_ATTRS, NOFOLLOW);
                    int nlink = (int) u.get("nlink");
                    if (!attrs.isDirectory() && !attrs.isSymbolicLink() && nlink > 1) {
                        Path first = linked.get(u.get("fileKey"));
                        if (first != null) {
                            Files.createLink(target, first);
                            return FileVisitResult.CONTINUE;
                        }
                        linked.put(u.get("fileKey"), target);
                    }
                    if (attrs.isRegularFile() && nlink == 1 && pool != null) {
                        pool.execute(() -> {
                            if (failure.get() != null) {
                                return;
                            }
                            try {
                                Files.copy(f, target, NOFOLLOW);
                                copyMetadata(f, target, u, fromUid, fromGid, toUid, toGid);
                            } catch (Throwable t) {
                                failure.compareAndSet(null, t);
                            }
                        });
                        return failure.get() == null ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                    }
                    if (attrs.isSymbolicLink()) {
                        Files.createSymbolicLink(target, Files.readSymbolicLink(f));
                    } else if (attrs.isRegularFile()) {
                        // contents only (copy_file_range): owners, mode, times and xattrs are set once, below
                        Files.copy(f, target, NOFOLLOW);
                    } else {
                        PosixFs.mknod(target, (int) u.get("mode"), (long) u.get("rdev"));
                    }
                    copyMetadata(f, target, u, fromUid, fromGid, toUid, toGid);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    dirs.add(open.pop());
                    return FileVisitResult.CONTINUE;
                }
            });
        } finally {
            if (pool != null) {
                pool.shutdown();
                try {
                    while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                        // a file copy still running (a large file on a slow disk): wait for it, never leave it behind
                    }
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while copying " + src);
                }
            }
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error er) {
            throw er;
        }
        for (Object[] entry : dirs) {
            @SuppressWarnings("unchecked")
            Map<String, Object> u = (Map<String, Object>) entry[2];
            copyMetadata((Path) entry[0], (Path) entry[1], u, fromUid, fromGid, toUid, toGid);
        }
    }

    /** Owners (mapped), the xattrs upstream copies, mode (after chown, which clears setuid/setgid) and times of {@code from}. */
    private static void copyMetadata(Path from, Path to, Map<String, Object> u, List<IdMap> fromUid, List<IdMap> fromGid,
                                     List<IdMap> toUid, List<IdMap> toGid) throws IOException {
        long uid = Integer.toUnsignedLong((int) u.get("uid"));
        long gid = Integer.toUnsignedLong((int) u.get("gid"));
        PosixFs.lchown(to, (int) mapId(uid, fromUid, toUid), (int) mapId(gid, fromGid, toGid));
        for (String name : PosixFs.listXattrs(from)) {
            if (name.equals("security.capability") || name.startsWith("user.") || name.equals("trusted.overlay.opaque")) {
                byte[] v = PosixFs.getXattr(from, name);
                if (v != null) {
                    PosixFs.setXattr(to, name, v);
                }
            }
        }
        if (!(boolean) u.get("isSymbolicLink")) {
            // by path (the JDK would open a FIFO and block)
            PosixFs.chmod(to, (int) u.get("mode") & 07777);
        }
        PosixFs.setTimes(to, nanos((FileTime) u.get("lastAccessTime")), nanos((FileTime) u.get("lastModifiedTime")));
    }
}
