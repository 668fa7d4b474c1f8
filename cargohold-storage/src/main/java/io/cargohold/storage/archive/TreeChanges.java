package io.cargohold.storage.archive;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The list of changes between a layer's tree and its parent's, as containers/storage v1.43.0's
 * {@code archive.ChangesDirs} (the naive diff driver's {@code Changes}), and their size, as
 * {@code archive.ChangesSize}.
 */
public final class TreeChanges {
    /** Byte order of the UTF-8 paths, as Go compares strings. */
    static final Comparator<String> PATH_ORDER = (a, b) ->
            Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private TreeChanges() {
    }

    /**
     * The changes that turn {@code oldDir} into {@code newDir}.
     *
     * <p>Both trees are walked in parallel; an entry present in both with the same inode on the same device is
     * unchanged and not descended into. An entry only in the new tree is {@link Change.Kind#ADD}, and so is
     * everything below it; an entry only in the old tree is one {@link Change.Kind#DELETE} (its contents are
     * not listed). An entry in both is {@link Change.Kind#MODIFY} when its mode (type bits included), owner
     * (each side mapped host to container through its own maps when the new side's IDs map), device number
     * or, for non-directories, size or modification time (equal seconds and either equal nanoseconds or
     * either side's nanoseconds zero) differ, or its {@code security.capability} or its set of
     * {@code user.*} extended attributes differ. A directory with changes below it that is not itself added
     * or modified is listed as modified too. The root itself never appears.
     *
     * <p>Upstream returns the changes in Go map iteration order (random); this returns them sorted by path
     * (byte order of the UTF-8 path), the order upstream's {@code ExportChanges} writes them in.
     *
     * @param oldDir the parent's tree, or null to compare against an empty tree (every entry is added)
     */
    public static List<Change> between(Path newDir, List<IdMap> newUidMap, List<IdMap> newGidMap, Path oldDir,
            List<IdMap> oldUidMap, List<IdMap> oldGidMap) throws IOException {
        Node oldRoot = Node.root(new Maps(oldUidMap, oldGidMap));
        Node newRoot = Node.root(new Maps(newUidMap, newGidMap));
        FsStat i2 = FsStat.lstat(newDir);
        // Upstream compares against an empty temporary directory; an absent old tree (oldDir null, read as
        // empty by walk) gives the same changes without creating one: a read (`image`'s size) writes
        // nothing, and no SecureRandom is seeded for the name (~10 ms of a short command). Of the old root's
        // stat only "is a directory" counts, and that the new root's device be the same prunes nothing there.
        FsStat i1 = oldDir == null ? i2 : FsStat.lstat(oldDir);
        walk(oldDir, newDir, "/", i1, i2, oldRoot, newRoot);
        List<Change> changes = new ArrayList<>();
        newRoot.addChanges(oldRoot, changes);
        // plain lambdas, not Comparator.comparing: its lambda is serializable, which the AOT cache does not keep
        // (it was spun again at every run of `image`, `container`, `changes`: ~30 classes)
        changes.sort((a, b) -> PATH_ORDER.compare(a.path(), b.path()));
        return changes;
    }

    /**
     * The bytes the added and modified non-directories in {@code changes} take in {@code newDir}: their
     * sizes, an inode with several links counted once; entries that cannot be stat'ed are skipped.
     */
    public static long size(Path newDir, List<Change> changes) {
        long size = 0;
        Set<Long> seen = new HashSet<>();
        for (Change c : changes) {
            if (c.kind() != Change.Kind.MODIFY && c.kind() != Change.Kind.ADD) {
                continue;
            }
            FsStat st;
            try {
                st = FsStat.lstat(resolve(newDir, c.path()));
            } catch (IOException e) {
                continue;
            }
            if (st.isDir()) {
                continue;
            }
            if (st.nlink() > 1) {
                if (seen.add(st.ino())) {
                    size += st.size();
                }
            } else {
                size += st.size();
            }
        }
        return size;
    }

    /** {@code dir} joined with an absolute-style or relative path inside it. */
    static Path resolve(Path dir, String path) {
        String rel = path;
        while (rel.startsWith("/")) {
            rel = rel.substring(1);
        }
        return rel.isEmpty() ? dir : dir.resolve(rel);
    }

    private record Maps(List<IdMap> uids, List<IdMap> gids) {
        /** Both IDs to the container side, or null when either does not map. */
        long[] toContainer(long uid, long gid) {
            try {
                return new long[] {Ids.toContainer(uid, uids), Ids.toContainer(gid, gids)};
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** One entry of a tree: upstream's {@code FileInfo}. */
    private static final class Node {
        final Node parent;
        final Maps maps;
        final String name;
        final FsStat stat;
        final Map<String, Node> children = new HashMap<>();
        byte[] capability = new byte[0];
        Map<String, ByteBuffer> xattrs = Map.of();
        boolean added;

        private Node(Node parent, Maps maps, String name, FsStat stat) {
            this.parent = parent;
            this.maps = maps;
            this.name = name;
            this.stat = stat;
        }

        static Node root(Maps maps) {
            return new Node(null, maps, "/", null);
        }

        String path() {
            if (parent == null) {
                return "/";
            }
            String p = parent.path();
            return p.equals("/") ? "/" + name : p + "/" + name;
        }

        /**
         * Upstream tests {@code mode & S_IFDIR != 0}, which also holds for block devices and sockets (their
         * type bits include S_IFDIR's); kept, as it decides whether an old directory's children count as
         * deleted under a new entry.
         */
        boolean isDir() {
            return parent == null || (stat.mode() & FsStat.S_IFDIR) != 0;
        }

        void addChanges(Node oldInfo, List<Change> changes) {
            int sizeAtEntry = changes.size();
            if (oldInfo == null) {
                changes.add(new Change(path(), Change.Kind.ADD));
                added = true;
            }
            Map<String, Node> oldChildren = new HashMap<>();
            if (oldInfo != null && isDir()) {
                oldChildren.putAll(oldInfo.children);
            }
            for (Map.Entry<String, Node> e : children.entrySet()) {
                Node newChild = e.getValue();
                Node oldChild = oldChildren.get(e.getKey());
                if (oldChild != null) {
                    if (statDifferent(oldChild.stat, oldInfo, newChild.stat, this)
                            || !Arrays.equals(oldChild.capability, newChild.capability)
                            || !oldChild.xattrs.equals(newChild.xattrs)) {
                        changes.add(new Change(newChild.path(), Change.Kind.MODIFY));
                        newChild.added = true;
                    }
                    oldChildren.remove(e.getKey());
                }
                newChild.addChanges(oldChild, changes);
            }
            for (Node oldChild : oldChildren.values()) {
                changes.add(new Change(oldChild.path(), Change.Kind.DELETE));
            }
            if (changes.size() > sizeAtEntry && isDir() && !added && parent != null) {
                changes.add(sizeAtEntry, new Change(path(), Change.Kind.MODIFY));
            }
        }
    }

    private static boolean statDifferent(FsStat oldStat, Node oldInfo, FsStat newStat, Node newInfo) {
        long oldUid = oldStat.uid();
        long oldGid = oldStat.gid();
        long uid = newStat.uid();
        long gid = newStat.gid();
        long[] c = newInfo.maps.toContainer(uid, gid);
        if (c != null) {
            uid = c[0];
            gid = c[1];
            if (oldInfo != null) {
                long[] o = oldInfo.maps.toContainer(oldUid, oldGid);
                if (o != null) {
                    oldUid = o[0];
                    oldGid = o[1];
                }
            }
        }
        boolean ownerChanged = uid != oldUid || gid != oldGid;
        return oldStat.mode() != newStat.mode()
                || ownerChanged
                || oldStat.rdev() != newStat.rdev()
                || ((oldStat.mode() & FsStat.S_IFDIR) != FsStat.S_IFDIR
                        && (!sameFsTimeSpec(oldStat, newStat) || oldStat.size() != newStat.size()));
    }

    /** Tar loses sub-second times: equal seconds and equal nanoseconds, or either side's nanoseconds zero. */
    static boolean sameFsTimeSpec(FsStat a, FsStat b) {
        return a.mtimeSec() == b.mtimeSec()
                && (a.mtimeNsec() == b.mtimeNsec() || a.mtimeNsec() == 0 || b.mtimeNsec() == 0);
    }

    /** Registers an entry that exists on one side under its parent there: upstream's {@code walkchunk}. */
    private static Node walkchunk(String path, FsStat fi, Path dir, Node parent, String name) throws IOException {
        if (fi == null) {
            return null;
        }
        Node info = new Node(parent, parent.maps, name, fi);
        Path cpath = resolve(dir, path);
        byte[] cap = PosixFs.getXattr(cpath, "security.capability");
        info.capability = cap == null ? new byte[0] : cap;
        Map<String, ByteBuffer> xattrs = null;
        for (String key : PosixFs.listXattrs(cpath)) {
            if (key.startsWith("user.")) {
                byte[] value = PosixFs.getXattr(cpath, key);
                if (value == null) {
                    continue;
                }
                if (xattrs == null) {
                    xattrs = new HashMap<>();
                }
                xattrs.put(key, ByteBuffer.wrap(value));
            }
        }
        if (xattrs != null) {
            info.xattrs = xattrs;
        }
        parent.children.put(name, info);
        return info;
    }

    private record NameIno(String name, long ino, FsStat stat) {
    }

    /** Walks the same path in both trees (upstream's {@code walker.walk}); n1/n2 are its nodes, if any; dir1 null: an empty tree. */
    private static void walk(Path dir1, Path dir2, String path, FsStat i1, FsStat i2, Node n1, Node n2)
            throws IOException {
        boolean is1Dir = i1 != null && i1.isDir();
        boolean is2Dir = i2 != null && i2.isDir();
        boolean sameDevice = i1 != null && i2 != null && i1.dev() == i2.dev();
        if (!is1Dir && !is2Dir) {
            return;
        }
        List<NameIno> names1 = is1Dir && dir1 != null ? readdir(resolve(dir1, path)) : List.of();
        List<NameIno> names2 = is2Dir ? readdir(resolve(dir2, path)) : List.of();
        // Merge the two sorted lists; a name with the same inode on both sides (same device) is pruned.
        List<String> names = new ArrayList<>();
        Map<String, FsStat> stats1 = new HashMap<>();
        Map<String, FsStat> stats2 = new HashMap<>();
        int ix1 = 0;
        int ix2 = 0;
        while (ix1 < names1.size() && ix2 < names2.size()) {
            NameIno ni1 = names1.get(ix1);
            NameIno ni2 = names2.get(ix2);
            int cmp = PATH_ORDER.compare(ni1.name(), ni2.name());
            if (cmp < 0) {
                names.add(ni1.name());
                stats1.put(ni1.name(), ni1.stat());
                ix1++;
            } else if (cmp > 0) {
                names.add(ni2.name());
                stats2.put(ni2.name(), ni2.stat());
                ix2++;
            } else {
                if (ni1.ino() != ni2.ino() || !sameDevice) {
                    names.add(ni1.name());
                    stats1.put(ni1.name(), ni1.stat());
                    stats2.put(ni2.name(), ni2.stat());
                }
                ix1++;
                ix2++;
            }
        }
        for (; ix1 < names1.size(); ix1++) {
            names.add(names1.get(ix1).name());
            stats1.put(names1.get(ix1).name(), names1.get(ix1).stat());
        }
        for (; ix2 < names2.size(); ix2++) {
            names.add(names2.get(ix2).name());
            stats2.put(names2.get(ix2).name(), names2.get(ix2).stat());
        }
        for (String name : names) {
            String fname = path.equals("/") ? "/" + name : path + "/" + name;
            FsStat c1 = is1Dir ? stats1.get(name) : null;
            FsStat c2 = is2Dir ? stats2.get(name) : null;
            Node child1 = c1 == null ? null : walkchunk(fname, c1, dir1, n1, name);
            Node child2 = c2 == null ? null : walkchunk(fname, c2, dir2, n2, name);
            walk(dir1, dir2, fname, c1, c2, child1, child2);
        }
    }

    /**
     * A directory's entries with their lstat, sorted by name bytes. Upstream reads the inode from the
     * directory entry; lstat gives the same number except on mount points.
     */
    private static List<NameIno> readdir(Path dir) throws IOException {
        List<NameIno> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                FsStat st;
                try {
                    st = FsStat.lstat(p);
                } catch (NoSuchFileException e) {
                    continue;
                }
                out.add(new NameIno(p.getFileName().toString(), st.ino(), st));
            }
        }
        out.sort((a, b) -> PATH_ORDER.compare(a.name(), b.name())); // (not Comparator.comparing: see between)
        return out;
    }
}
