package io.cargohold.storage.check;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.archive.TarHeader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tree a layer should have, built from the tar entries of the layer and its ancestors the way the
 * containers/storage v1.43 applier (upstream's and ours) lays them down on a copy of the parent's
 * tree: whiteouts remove, an opaque directory loses what lower layers put in it, an entry replaces
 * what was at its path unless both are directories (then it only changes the directory's attributes),
 * missing parent directories appear (mode and owner left open: the applier makes them under the
 * umask), and a hard link shares its target's inode, whose mode, owner and time the link's header
 * sets. Paths are relative to the layer root, {@code ""} being the root.
 */
final class ExpectedTree {
    static final char DIR = TarHeader.DIR;
    static final char REG = TarHeader.REG;
    static final char SYMLINK = TarHeader.SYMLINK;
    private static final String WH = ".wh.";
    private static final String WH_META = ".wh..wh.";
    private static final String WH_OPAQUE = ".wh..wh..opq";

    /** One inode: what its header said (explicit) or a directory the applier had to create (implicit). */
    static final class Inode {
        char type;
        int mode;
        long uid;
        long gid;
        long size;
        long mtime;
        String link;
        boolean explicit;
        /** The layer (its depth in the chain) whose entry last set this inode. */
        int layer;
        /** Made by the applier at an unknown time (an overlay whiteout device). */
        boolean timeUnknown;

        Inode copy() {
            Inode i = new Inode();
            i.type = type;
            i.mode = mode;
            i.uid = uid;
            i.gid = gid;
            i.size = size;
            i.mtime = mtime;
            i.link = link;
            i.explicit = explicit;
            i.layer = layer;
            i.timeUnknown = timeUnknown;
            return i;
        }
    }

    /** A path: its inode (shared between hard links) and the layer whose entry put it there. */
    record Node(Inode inode, int layer) {
    }

    final TreeMap<String, Node> nodes = new TreeMap<>();
    /**
     * An overlay layer's own {@code diff/} directory (upstream's Unpack with the overlay converter): a
     * whiteout is a 0/0 character device owned as its entry, an opaque marker removes nothing (it is an
     * xattr), and an entry for the root is skipped.
     */
    private final boolean overlay;

    ExpectedTree() {
        this(false);
    }

    ExpectedTree(boolean overlay) {
        this.overlay = overlay;
        Inode root = new Inode();
        root.type = DIR;
        root.layer = -1;
        nodes.put("", new Node(root, -1));
    }

    /** A deep copy (hard links stay shared within the copy), for a child layer. */
    ExpectedTree copy() {
        ExpectedTree t = new ExpectedTree(overlay);
        t.nodes.clear();
        Map<Inode, Inode> copies = new IdentityHashMap<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            Inode i = copies.computeIfAbsent(e.getValue().inode(), Inode::copy);
            t.nodes.put(e.getKey(), new Node(i, e.getValue().layer()));
        }
        return t;
    }

    /**
     * Shifts every owner from one layer's ID maps to another's (host to container by {@code from}, back to
     * the host by {@code to}), as the vfs driver shifts a parent's tree it copies for a child with other maps.
     */
    void remap(List<IdMap> fromUid, List<IdMap> fromGid, List<IdMap> toUid, List<IdMap> toGid) {
        Map<Inode, Boolean> done = new IdentityHashMap<>();
        for (Node n : nodes.values()) {
            Inode i = n.inode();
            if (done.put(i, Boolean.TRUE) == null) {
                i.uid = shift(i.uid, fromUid, toUid);
                i.gid = shift(i.gid, fromGid, toGid);
            }
        }
    }

    private static long shift(long id, List<IdMap> from, List<IdMap> to) {
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
                return id; // not mapped: left alone, as the driver does
            }
        }
        return toHost(container, to);
    }

    /** Applies one entry of layer {@code layer} (its depth in the chain), owners mapped to the host by the layer's maps. */
    void apply(TarHeader h, int layer, List<IdMap> uidMap, List<IdMap> gidMap) {
        String rel = relative(new String(h.name(), StandardCharsets.UTF_8));
        if (rel == null) {
            return;
        }
        if (rel.startsWith(WH_META) && !rel.equals(WH_OPAQUE)) {
            return; // AUFS metadata at the root: skipped by the applier
        }
        String parent = parent(rel);
        String base = base(rel);
        if (overlay && rel.isEmpty()) {
            return;
        }
        if (overlay && base.startsWith(WH)) {
            if (!ensureDirectory(parent, layer, uidMap, gidMap) || base.equals(WH_OPAQUE)) {
                return;
            }
            String target = join(parent, base.substring(WH.length()));
            if (nodes.containsKey(target)) {
                return; // the applier's mknod fails on an existing path
            }
            Inode i = new Inode();
            i.type = TarHeader.CHAR;
            i.mode = 0;
            i.uid = toHost(h.uid(), uidMap);
            i.gid = toHost(h.gid(), gidMap);
            i.explicit = true;
            i.timeUnknown = true;
            i.layer = layer;
            nodes.put(target, new Node(i, layer));
            return;
        }
        if (!rel.isEmpty() && base.startsWith(WH)) {
            Node d = nodes.get(parent);
            if (d == null || d.inode().type != DIR) {
                return;
            }
            if (base.equals(WH_OPAQUE)) {
                List<String> gone = new ArrayList<>();
                for (Map.Entry<String, Node> e : children(parent).entrySet()) {
                    if (e.getValue().layer() != layer) {
                        gone.add(e.getKey());
                    }
                }
                gone.forEach(nodes::remove);
            } else {
                removeTree(join(parent, base.substring(WH.length())));
            }
            return;
        }
        if (!rel.isEmpty() && !ensureDirectory(parent, layer, uidMap, gidMap)) {
            return; // the applier fails such a layer
        }
        char type = h.type() == TarHeader.CONT || h.type() == 0 ? REG : h.type();
        Node existing = nodes.get(rel);
        if (type == TarHeader.LINK) {
            String target = relative(new String(h.linkName(), StandardCharsets.UTF_8));
            Node t = target == null ? null : nodes.get(target);
            if (t == null) {
                return;
            }
            if (existing != null && existing.inode() != t.inode()) {
                removeTree(rel);
            }
            Inode i = t.inode();
            i.uid = toHost(h.uid(), uidMap);
            i.gid = toHost(h.gid(), gidMap);
            if (i.type != SYMLINK) {
                i.mode = (int) (h.mode() & 07777);
                i.mtime = Math.floorDiv(h.mtimeNanos(), 1_000_000_000L);
            }
            i.layer = layer;
            nodes.put(rel, new Node(i, layer));
            return;
        }
        Inode i;
        if (existing != null && existing.inode().type == DIR && type == DIR) {
            i = existing.inode();
        } else {
            if (existing != null) {
                removeTree(rel);
            }
            i = new Inode();
        }
        i.type = type;
        i.mode = (int) (h.mode() & 07777);
        i.uid = toHost(h.uid(), uidMap);
        i.gid = toHost(h.gid(), gidMap);
        i.size = type == REG ? h.size() : 0;
        i.mtime = Math.floorDiv(h.mtimeNanos(), 1_000_000_000L);
        i.link = type == SYMLINK ? new String(h.linkName(), StandardCharsets.UTF_8) : null;
        i.explicit = true;
        i.layer = layer;
        nodes.put(rel, new Node(i, layer));
    }

    private boolean ensureDirectory(String dir, int layer, List<IdMap> uidMap, List<IdMap> gidMap) {
        Node n = nodes.get(dir);
        if (n != null) {
            return n.inode().type == DIR;
        }
        if (!ensureDirectory(parent(dir), layer, uidMap, gidMap)) {
            return false;
        }
        Inode i = new Inode();
        i.type = DIR;
        i.mode = 0755;
        i.uid = toHost(0, uidMap);
        i.gid = toHost(0, gidMap);
        i.layer = layer;
        nodes.put(dir, new Node(i, layer));
        return true;
    }

    /** Everything below {@code dir} (not {@code dir} itself). */
    Map<String, Node> children(String dir) {
        if (dir.isEmpty()) {
            return nodes.tailMap("", false);
        }
        return nodes.subMap(dir + "/", true, dir + "0", false);
    }

    private void removeTree(String path) {
        nodes.remove(path);
        children(path).clear();
    }

    private static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static String parent(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? "" : rel.substring(0, i);
    }

    static String base(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? rel : rel.substring(i + 1);
    }

    /** A tar name as a path below the root ({@code ""} for the root), as the applier resolves it; null if it climbs out. */
    static String relative(String name) {
        List<String> parts = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
                continue;
            }
            parts.add(c);
        }
        return String.join("/", parts);
    }

    static long toHost(long id, List<IdMap> map) {
        for (IdMap m : map) {
            if (id >= m.containerId() && id < m.containerId() + m.size()) {
                return m.hostId() + (id - m.containerId());
            }
        }
        return id;
    }
}
