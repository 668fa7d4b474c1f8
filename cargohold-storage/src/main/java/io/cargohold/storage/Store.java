package io.cargohold.storage;

import io.cargohold.storage.internal.StoreEngine;
import java.io.IOException;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.IdPair;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import io.cargohold.storage.check.CheckListener;
import io.cargohold.storage.check.CheckOptions;
import io.cargohold.storage.check.CheckReport;
import io.cargohold.storage.check.RepairOptions;
import io.cargohold.storage.check.RepairResult;
import io.cargohold.storage.check.StoreChecker;
import java.time.Clock;

/**
 * A containers/storage v1.43.0 store with the vfs driver: layers, images and containers, on the
 * upstream on-disk format and lock protocol, so skopeo, podman and buildah share it with us.
 * Thread-safe; other processes (ours or upstream's) are excluded by the same fcntl locks on the same
 * lock files. Records are looked up by full ID, name, or unique ID prefix (containers also by their
 * layer's ID).
 *
 * <p>A layer from a tar, an image on it, its files (this runs as {@code StoreExampleTest}; podman and
 * skopeo given the same roots see the image):
 * {@snippet class=io.cargohold.storage.StoreExampleTest region=example}
 *
 * <p>Images usually come in through the copy engine ({@code containers-storage:} as a destination of
 * {@code io.cargohold.copy.ImageCopier}, in cargohold-copy), which records them as containers/image
 * does; {@link io.cargohold.storage.config.StorageConfig#defaultStoreOptions()} gives the store
 * storage.conf names.
 */
public final class Store implements AutoCloseable {
    private final StoreEngine engine;

    private Store(StoreEngine engine) {
        this.engine = engine;
    }

    /** Opens (creating the directories of) a store, as upstream's GetStore does. */
    public static Store open(StoreOptions options) throws IOException {
        return new Store(StoreEngine.open(options));
    }

    public StoreOptions options() {
        return engine.options();
    }

    /** The graph driver's status as name/value pairs (none for vfs), as upstream's {@code Status()}. */
    public List<java.util.Map.Entry<String, String>> driverStatus() {
        return engine.driverStatus();
    }

    public Path graphRoot() {
        return engine.layout().graphRoot();
    }

    public Path runRoot() {
        return engine.layout().runRoot();
    }

    /**
     * A directory inside the graph root (created, mode 0700) where a writer may keep the partial download of a
     * layer blob between runs, so an interrupted pull continues it: {@code tmp/cargohold-partials}. Nothing in it
     * is part of the store (upstream creates {@code tmp/} and does not read it); a file there belongs to whoever
     * holds its fcntl lock.
     */
    public Path partialBlobDirectory() throws IOException {
        Path dir = engine.layout().partialBlobs();
        if (!java.nio.file.Files.isDirectory(dir)) {
            java.nio.file.Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        return dir;
    }

    // ------------------------------------------------------------------ layers

    /** All layers, the primary store's first (in creation order), then those of additional stores. */
    public List<Layer> layers() throws IOException {
        return engine.layers();
    }

    public Layer layer(String idOrName) throws IOException {
        return engine.layer(idOrName);
    }

    public Layer createLayer(LayerOptions options) throws IOException {
        return engine.createLayer(options);
    }

    /**
     * PutLayer: creates a layer (a copy of its parent's tree) and applies {@code diff} to it - an
     * uncompressed, gzip, zstd, bzip2 or xz tar - recording its digests, sizes, compression, UIDs and
     * GIDs and a tar-split file, so {@link #diff} reproduces it byte for byte. On any failure the
     * layer is removed again.
     */
    public Layer createLayer(LayerOptions options, InputStream diff) throws IOException {
        return engine.createLayer(options, diff);
    }

    /**
     * {@link #createLayer(LayerOptions, InputStream)} for a writer that creates several layers in a row (an image
     * copy): the layer's tree is synced (syncfs) on a background thread while the caller goes on with its next
     * layer, instead of before this call returns. The layer is returned still flagged {@code incomplete}; it is
     * marked complete once its sync is done - at the latest when this thread's next layer has been applied, at
     * this store's next other operation, at {@link #flush} or {@link #close} - and never earlier, so no record
     * says complete before its files are on disk. Until then this thread holds the layer store's lock: other
     * processes (and other threads) wait, and none of them sees the layer flagged (upstream's loader deletes
     * incomplete layers it finds). A process killed meanwhile leaves it flagged: the next load removes it. The
     * calling thread must finish with {@link #flush} or {@link #close}.
     */
    public Layer createLayerSyncingBehind(LayerOptions options, InputStream diff) throws IOException {
        return engine.createLayerSyncingBehind(options, diff);
    }

    /** Finishes what {@link #createLayerSyncingBehind} left behind on this thread: waits for the sync, marks the layer complete. */
    public void flush() throws IOException {
        engine.flush();
    }

    /** Applies a diff to an existing layer (its tar-split and digests are replaced); returns the entries' total size. */
    public long applyDiff(String idOrName, InputStream diff) throws IOException {
        return engine.applyDiff(idOrName, diff);
    }

    /**
     * Writes the diff of layer {@code to} against {@code from} (null: its parent) to {@code out},
     * compressed with {@code compression} (null: as the layer was applied). {@code out} is not closed.
     */
    public void diff(String from, String to, Compression compression, OutputStream out) throws IOException {
        engine.diff(from, to, compression, out);
    }

    /** What changed in layer {@code to} against {@code from} (null: its parent), sorted by path (upstream: unsorted). */
    public List<Change> changes(String from, String to) throws IOException {
        return engine.changes(from, to);
    }

    /** The size of the files added or modified in {@code to} against {@code from} (null: its parent). */
    public long diffSize(String from, String to) throws IOException {
        return engine.diffSize(from, to);
    }

    /**
     * Copies files or directories into a layer or out of one (or between layers), as upstream's
     * {@code copy} command: metadata kept, owners mapped between the layers' ID maps or set to
     * {@code chown} (null: keep). A target path ending in {@code /} receives a file under its own name.
     */
    public void copy(List<CopyLocation> sources, CopyLocation target, IdPair chown) throws IOException {
        engine.copy(sources, target, chown);
    }

    public List<Layer> layersByCompressedDigest(String digest) throws IOException {
        return engine.layersByCompressedDigest(digest);
    }

    public List<Layer> layersByUncompressedDigest(String digest) throws IOException {
        return engine.layersByUncompressedDigest(digest);
    }

    /** Deletes a layer unless it has children or an image or container uses it. */
    public void deleteLayer(String idOrName) throws IOException {
        engine.deleteLayer(idOrName);
    }

    /**
     * Deletes a layer without checking for children or users (upstream's layerStore.Delete, which the
     * CLI's {@code delete-layer} reaches after its own checks, and {@code delete} directly): unmounted,
     * tree, tar-split and items removed, and dropped from images' mapped-layer lists.
     */
    public void deleteLayerUnchecked(String idOrName) throws IOException {
        engine.deleteLayerUnchecked(idOrName);
    }

    /** The directory holding the layer's tree (vfs: no real mount), with the mount count incremented. */
    public Path mount(String idOrName) throws IOException {
        return engine.mount(idOrName);
    }

    /** Decrements the mount count (to 0 when {@code force}); returns true while still mounted. */
    public boolean unmount(String idOrName, boolean force) throws IOException {
        return engine.unmount(idOrName, force);
    }

    /** The tree of a layer, without counting a mount. */
    public Path layerTree(String idOrName) throws IOException {
        return engine.layerTree(idOrName);
    }

    public void setLayerBigData(String idOrName, String key, InputStream data) throws IOException {
        engine.setLayerBigData(idOrName, key, data);
    }

    public InputStream layerBigData(String idOrName, String key) throws IOException {
        return engine.layerBigData(idOrName, key);
    }

    // ------------------------------------------------------------------ images

    public List<Image> images() throws IOException {
        return engine.images();
    }

    public Image image(String idOrName) throws IOException {
        return engine.image(idOrName);
    }

    public List<Image> imagesByDigest(String digest) throws IOException {
        return engine.imagesByDigest(digest);
    }

    public Image createImage(ImageOptions options) throws IOException {
        return engine.createImage(options);
    }

    /** Deletes an image unless a container uses it; its layers stay. */
    public void deleteImage(String idOrName) throws IOException {
        engine.deleteImage(idOrName);
    }

    /**
     * Upstream's DeleteImage(id, commit=true) with {@code pruneLayers}: also removes the image's mapped
     * top layers and its top layer and ancestors no container, other image or child still uses.
     * Returns the layers removed.
     */
    public List<String> deleteImage(String idOrName, boolean pruneLayers) throws IOException {
        return engine.deleteImage(idOrName, pruneLayers);
    }

    /**
     * Upstream's DeleteImage(id, commit): as {@link #deleteImage(String, boolean)} with
     * {@code pruneLayers}, but when {@code commit} is false nothing is changed and the layers that
     * would be removed are only reported (the CLI's {@code delete-image --test}).
     */
    public List<String> deleteImage(String idOrName, boolean pruneLayers, boolean commit) throws IOException {
        return engine.deleteImage(idOrName, pruneLayers, commit);
    }

    /**
     * Upstream's Delete (the CLI's {@code delete}), with no safety checks: the first container, image
     * or layer {@code idOrName} names. A container goes with its layer and directories; an image only
     * with its items (its layers stay, containers using it are not checked); a layer even when it has
     * children or users.
     */
    public void delete(String idOrName) throws IOException {
        engine.delete(idOrName);
    }

    /** Removes every container, image and layer (upstream's Wipe). */
    public void wipe() throws IOException {
        engine.wipe();
    }

    /**
     * Upstream's Shutdown: returns the layers that are mounted; with {@code force} unmounts them,
     * without it a mounted layer fails ({@code a layer is mounted: layer is in use by a container}).
     */
    public List<String> shutdown(boolean force) throws IOException {
        return engine.shutdown(force);
    }

    /** Mounts an image's top layer (upstream's MountImage, read-only in spirit: vfs has no real mount). */
    public Path mountImage(String idOrName) throws IOException {
        return engine.mountImage(idOrName);
    }

    public boolean unmountImage(String idOrName, boolean force) throws IOException {
        return engine.unmountImage(idOrName, force);
    }

    /**
     * Upstream's LayerParentOwners: for a mounted layer with ID maps, the UIDs ({@code [0]}) and GIDs
     * ({@code [1]}) owning directories above its tree that the maps cannot represent; empty without maps.
     */
    public long[][] layerParentOwners(String idOrName) throws IOException {
        return engine.layerParentOwners(idOrName);
    }

    public long[][] containerParentOwners(String idOrName) throws IOException {
        return engine.containerParentOwners(idOrName);
    }

    /** Stores an item; its size and SHA-256 are recorded; a {@code manifest*} item may set the image digest. */
    public void setImageBigData(String idOrName, String key, byte[] data) throws IOException {
        engine.setImageBigData(idOrName, key, data);
    }

    public byte[] imageBigData(String idOrName, String key) throws IOException {
        return engine.imageBigData(idOrName, key);
    }

    // ------------------------------------------------------------------ containers

    public List<Container> containers() throws IOException {
        return engine.containers();
    }

    public Container container(String idOrName) throws IOException {
        return engine.container(idOrName);
    }

    /** Creates a container and its read-write layer (a child of the image's top layer). */
    public Container createContainer(ContainerOptions options) throws IOException {
        return engine.createContainer(options);
    }

    /** Deletes a container, its layer and its directories. */
    public void deleteContainer(String idOrName) throws IOException {
        engine.deleteContainer(idOrName);
    }

    public void setContainerBigData(String idOrName, String key, byte[] data) throws IOException {
        engine.setContainerBigData(idOrName, key, data);
    }

    public byte[] containerBigData(String idOrName, String key) throws IOException {
        return engine.containerBigData(idOrName, key);
    }

    /** {@code G/vfs-containers/ID/userdata}, created on demand. */
    public Path containerDirectory(String idOrName) throws IOException {
        return engine.containerDirectory(idOrName, false);
    }

    /** {@code R/vfs-containers/ID/userdata}, created on demand. */
    public Path containerRunDirectory(String idOrName) throws IOException {
        return engine.containerDirectory(idOrName, true);
    }

    // ------------------------------------------------------------------ names and metadata (any kind)

    /** Which kind of record an operation addresses. */
    public enum Kind { LAYER, IMAGE, CONTAINER }

    /** Replaces a record's names; names used by other records of the same kind move here. */
    public void setNames(Kind kind, String idOrName, List<String> names) throws IOException {
        engine.updateNames(kind, idOrName, names, false);
    }

    /**
     * Adds names after a record's own (the CLI's add-names: SetNames(old + new)); names used by other
     * records of the same kind move here.
     */
    public void addNames(Kind kind, String idOrName, List<String> names) throws IOException {
        engine.updateNames(kind, idOrName, names, true);
    }

    /**
     * Upstream's library AddNames, which containers/image calls when it stores an image: the new names
     * first, then the record's own (so names and names history come out as skopeo and podman write
     * them); names used by other records of the same kind move here.
     */
    public void addNamesFirst(Kind kind, String idOrName, List<String> names) throws IOException {
        engine.prependNames(kind, idOrName, names);
    }

    public void setMetadata(Kind kind, String idOrName, String metadata) throws IOException {
        engine.setMetadata(kind, idOrName, metadata);
    }

    // ------------------------------------------------------------------ check and repair

    /**
     * Checks the store (upstream v1.51's Check, see {@link StoreChecker}) holding its locks for reading:
     * it may run while other processes use the store, and changes nothing.
     */
    public CheckReport check(CheckOptions options, CheckListener listener) throws IOException {
        return new StoreChecker(this, engine, Clock.systemUTC()).check(options, listener);
    }

    /** Removes what {@code report} found damaged (upstream's Repair, see {@link StoreChecker#repair}). */
    public RepairResult repair(CheckReport report, RepairOptions options) throws IOException {
        return new StoreChecker(this, engine, Clock.systemUTC()).repair(report, options);
    }

    /** Upstream's driver-level Create: a layer tree ({@code parent}'s copy, when given) without any record. */
    public void createDriverLayer(String id, String parent) throws IOException {
        engine.createDriverLayer(id, parent);
    }

    /** Upstream's driver-level ListLayers: the layer trees of the read-write store, records or not, by name. */
    public List<String> driverLayers() throws IOException {
        return engine.readShared(snap -> {
            java.util.List<String> ids = new java.util.ArrayList<>();
            if (java.nio.file.Files.isDirectory(snap.layout().layerTrees())) {
                try (var ds = java.nio.file.Files.newDirectoryStream(snap.layout().layerTrees())) {
                    for (Path p : ds) {
                        // overlay: l/ (short links), staging and the feature checks are no layers (upstream's ListLayers)
                        if (java.nio.file.Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                                && snap.layout().isLayerDirectoryName(p.getFileName().toString())) {
                            ids.add(p.getFileName().toString());
                        }
                    }
                }
            }
            java.util.Collections.sort(ids);
            return ids;
        });
    }

    /**
     * Removes a layer tree no record accounts for; false (nothing changed) if a record for it exists
     * by now. Used by a repair.
     */
    public boolean removeDriverLayer(String id) throws IOException {
        return engine.removeDriverLayer(id);
    }

    /**
     * Finishes a layer this thread created with {@link #createLayerSyncingBehind} ({@link #flush}); a failure there
     * (its sync failed: the layer is removed) is thrown unchecked. Descriptors of lock files stay open for the
     * JVM's life (closing one would drop locks).
     */
    @Override
    public void close() {
        try {
            engine.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
