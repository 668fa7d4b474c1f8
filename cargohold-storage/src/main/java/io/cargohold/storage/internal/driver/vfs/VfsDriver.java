package io.cargohold.storage.internal.driver.vfs;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.LayerArchive;
import io.cargohold.storage.archive.TreeArchiver;
import io.cargohold.storage.archive.TreeChanges;
import io.cargohold.storage.internal.StoreLayout;
import io.cargohold.storage.internal.Trees;
import io.cargohold.storage.internal.driver.GraphDriver;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        // not synced here: the layer store syncs the file system before the layer's record says complete
        return LayerArchive.apply(diff, layout.layerTree(layer.id()), tarSplit, options);
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

    /** Copies a parent layer's tree as upstream's vfs driver does: {@link VfsTreeCopy}. */
    private static void copyTree(Path src, Path dst, List<IdMap> fromUid, List<IdMap> fromGid, List<IdMap> toUid, List<IdMap> toGid)
            throws IOException {
        VfsTreeCopy.copy(src, dst, fromUid, fromGid, toUid, toGid, VfsTreeCopy.COPY_THREADS);
    }
}
