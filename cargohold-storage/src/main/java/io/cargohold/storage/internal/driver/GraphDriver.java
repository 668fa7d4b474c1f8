package io.cargohold.storage.internal.driver;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Change;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A graph driver, as containers/storage's {@code drivers.Driver} (ProtoDriver + DiffDriver): it owns
 * the layers' directories under its home ({@code G/<driver>}) and their mounts, nothing else - the
 * layer store above it owns records, locks, tar-split files and mount counts. Layer IDs are the
 * records' IDs; a driver looks a layer up in its own home first, then in the additional (read-only)
 * image stores it was given, as upstream's {@code dir2} does. Not thread-safe: the layer store calls it
 * with {@code layers.lock} held for writing.
 */
public interface GraphDriver {
    /** The driver's name as stores record it ({@code vfs}, {@code overlay}). */
    String name();

    /** A layer whose owners and maps the driver needs: ID maps are host ← container, as in the records. */
    record LayerRef(String id, List<IdMap> uidMap, List<IdMap> gidMap) {
        public LayerRef {
            uidMap = List.copyOf(uidMap);
            gidMap = List.copyOf(gidMap);
        }
    }

    /**
     * Create: the layer's directory, on top of {@code parent} (null for a base layer). Its root is owned
     * by the host IDs of container root under the layer's maps.
     */
    void create(LayerRef layer, LayerRef parent) throws IOException;

    /**
     * CreateFromTemplate for an ID-mapped copy: a layer with {@code template}'s content and owners shifted
     * from the template's maps to the layer's (vfs: a shifted copy, as {@link #create} makes it).
     */
    default void createMapped(LayerRef layer, LayerRef template) throws IOException {
        create(layer, template);
    }

    /** Remove: the layer's directory and whatever the driver keeps for it; absent is no error. */
    void remove(String id) throws IOException;

    /** Exists: whether the layer has a directory (in the home or an additional store). */
    boolean exists(String id);

    /** Get: mounts the layer (when the driver mounts) and returns the path of its complete tree. */
    Path get(String id, MountOptions options) throws IOException;

    /** Where {@link #get} mounts the layer (vfs: its tree; overlay: {@code <id>/merged}), known before mounting. */
    Path mountPath(String id);

    /** Put: releases what {@link #get} did (unmounts). */
    void put(String id) throws IOException;

    /** Options of {@link #get}: mount options (empty: the driver's defaults) and the SELinux mount label. */
    record MountOptions(List<String> options, String mountLabel) {
        public static final MountOptions DEFAULT = new MountOptions(List.of(), "");

        public MountOptions {
            options = List.copyOf(options);
            mountLabel = mountLabel == null ? "" : mountLabel;
        }
    }

    /**
     * ApplyDiff: applies a layer tar to the layer's directory (whiteouts in the driver's format),
     * writing the tar-split stream to {@code tarSplit} in the same pass.
     */
    ApplyResult applyDiff(LayerRef layer, InputStream diff, OutputStream tarSplit, ApplyOptions options) throws IOException;

    /**
     * Where the files of the layer's own diff are (upstream's DiffGetter): a tar-split file's entries
     * are read from here to reassemble the applied tar.
     */
    Path diffRoot(String id);

    /**
     * Diff: the changes of {@code layer} against {@code parent} (null: the whole layer) as an
     * uncompressed layer tar, written to {@code out} (not closed).
     */
    void diff(LayerRef layer, LayerRef parent, OutputStream out) throws IOException;

    /** Changes of {@code layer} against {@code parent} (null: everything is added), sorted by path. */
    List<Change> changes(LayerRef layer, LayerRef parent) throws IOException;

    /** DiffSize: the size of what was added or modified in {@code layer} against {@code parent}. */
    long diffSize(LayerRef layer, LayerRef parent) throws IOException;

    /** Status: the driver's name/value lines for the store's status. */
    List<Map.Entry<String, String>> status();

    /** Metadata: the driver's paths for one layer (overlay: LowerDir, UpperDir, WorkDir, MergedDir). */
    Map<String, String> metadata(String id) throws IOException;

    /**
     * The layer's complete tree without counting a mount: vfs's directory; null for a driver that can
     * only show it mounted.
     */
    Path tree(String id);

    /** Cleanup: what the driver set up for the whole home (upstream's Cleanup on shutdown). */
    void cleanup() throws IOException;
}
