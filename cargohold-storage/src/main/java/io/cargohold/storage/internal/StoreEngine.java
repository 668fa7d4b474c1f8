package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import io.cargohold.storage.Container;
import io.cargohold.storage.ContainerOptions;
import io.cargohold.storage.CopyLocation;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.IdPair;
import io.cargohold.storage.internal.Records.ContainerRec;
import io.cargohold.storage.internal.Records.ImageRec;
import io.cargohold.storage.internal.Records.LayerRec;
import io.cargohold.storage.internal.driver.GraphDriver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The implementation behind {@link Store}: a coordinator over a {@link LayerStore} (which drives a
 * {@link GraphDriver}), an {@link ImageStore} and a {@link ContainerStore}, as upstream's {@code store}
 * over its layer, image and container stores. It owns the one lock order - layers → images →
 * containers (→ mountpoints, inside the layer store) → the read-only stores' layers and images - and
 * the operations that span stores (creating a layer or container, deleting an image with its layers,
 * Delete, Wipe). Each store reloads its records when its lock's token (or, for layers, the file's
 * mtime) says another writer changed them, and saves atomically with a fresh token after every write.
 * Public methods are synchronized: one operation at a time per instance (other instances and processes
 * are excluded by the locks).
 */
public final class StoreEngine {
    private final StoreOptions options;
    private final StoreLayout layout;
    private final ReadOnlyStores readOnly;
    private final LayerStore layerStore;
    private final ImageStore imageStore;
    private final ContainerStore containerStore;

    private StoreEngine(StoreOptions options) throws IOException {
        this.options = options;
        this.layout = StoreDirectories.setUp(options);
        this.readOnly = ReadOnlyStores.open(options.imageStores(), options.driver());
        GraphDriver driver = GraphDrivers.open(options, layout, readOnly.layouts());
        this.imageStore = new ImageStore(layout, readOnly);
        this.containerStore = new ContainerStore(layout);
        RecordFiles.mkdirs(layout.locksDir());
        this.layerStore = new LayerStore(options, layout, driver, readOnly);
    }

    public static StoreEngine open(StoreOptions options) throws IOException {
        return new StoreEngine(options);
    }

    public StoreOptions options() {
        return options;
    }

    public StoreLayout layout() {
        return layout;
    }

    // ================================================================== the lock order

    private <T> T withLayers(StoreOp<T> op) throws IOException {
        settleBehind();
        return layerStore.locked(op);
    }

    /**
     * For the lookups a writer makes between layers it creates with {@link #createLayerSyncingBehind}: while a
     * layer's sync runs behind, they run under the lock its owner keeps (records current, nothing settled).
     */
    private <T> T withLayersKeepingBehind(StoreOp<T> op) throws IOException {
        awaitTurn();
        if (layerStore.behindOwner() != null) {
            return op.run();
        }
        return layerStore.locked(op);
    }

    /** Whether this instance holds layers.lock for a layer whose sync runs behind (on any thread). */
    boolean hasBehind() {
        return layerStore.behindOwner() != null;
    }

    /**
     * Before anything else touches the layer store: another thread waits (monitor released) until the owner of a
     * layer whose sync runs behind has settled it; the owner settles it (waits for the sync, marks the layer
     * complete, releases layers.lock). Another instance on the same store settles ours first when this thread
     * owns it (it would otherwise find layers.lock held by its own thread).
     */
    private void settleBehind() throws IOException {
        awaitTurn();
        if (layerStore.behindOwner() == Thread.currentThread()) {
            try {
                layerStore.settleBehind();
            } finally {
                BehindRegistry.remove(this);
                notifyAll();
            }
        }
    }

    /**
     * Before this thread touches the layer store: waits until another thread's layer whose sync runs behind is
     * settled, and settles one that this thread left behind through another instance on the same store.
     */
    private void awaitTurn() throws IOException {
        awaitBehindOwner();
        BehindRegistry.settleOthers(this);
    }

    private void awaitBehindOwner() throws IOException {
        while (layerStore.behindOwner() != null && layerStore.behindOwner() != Thread.currentThread()) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while another thread finishes a layer");
            }
        }
    }

    /**
     * Finishes the layer whose sync runs behind ({@link #createLayerSyncingBehind}), if this thread created one:
     * waits for its sync, marks it complete and releases the layer store's lock. Other threads' layers are theirs
     * to finish; this waits until they have.
     */
    public synchronized void flush() throws IOException {
        settleBehind();
    }

    /** Engines with a layer whose sync runs behind, by layers.lock path: one JVM-wide fcntl lock per file. */
    private static final class BehindRegistry {
        private static final java.util.concurrent.ConcurrentHashMap<Path, StoreEngine> BEHIND = new java.util.concurrent.ConcurrentHashMap<>();

        static void add(StoreEngine e) {
            BEHIND.put(e.layout.layersLock().toAbsolutePath().normalize(), e);
        }

        static void remove(StoreEngine e) {
            BEHIND.remove(e.layout.layersLock().toAbsolutePath().normalize(), e);
        }

        /** Settles another instance's behind layer on the same store when this thread owns it. */
        static void settleOthers(StoreEngine self) throws IOException {
            if (BEHIND.isEmpty()) {
                return;
            }
            StoreEngine other = BEHIND.get(self.layout.layersLock().toAbsolutePath().normalize());
            if (other != null && other != self && other.layerStore.behindOwner() == Thread.currentThread()) {
                other.flush();
            }
        }
    }

    private <T> T withImages(LockMode mode, StoreOp<T> op) throws IOException {
        return imageStore.locked(mode, op);
    }

    private <T> T withContainers(LockMode mode, StoreOp<T> op) throws IOException {
        return containerStore.locked(mode, op);
    }

    /**
     * Writes a record file (its lock held for writing) and a fresh token. The token is written
     * before the file, not after it as upstream does: a process killed between the two steps must
     * not leave a changed file behind an unchanged token, which other processes that keep the
     * records cached would never reload (upstream has that window for images and containers; for
     * layers its mtime check narrows it, but mtimes are as coarse as the kernel tick). Nobody can
     * look at the token before the lock is released, so writing it first changes nothing else.
     */
    static void save(TokenLockFile lock, Path file, List<?> records) throws IOException {
        byte[] json = GoJson.write(records);
        lock.touch();
        RecordFiles.write(file, json);
    }

    /**
     * {@link #save}, unless {@code file} holds exactly these records already: then nothing is written, nothing
     * synced, and the token stays (no other process is made to reload).
     */
    static void saveIfChanged(TokenLockFile lock, Path file, List<?> records) throws IOException {
        byte[] json = GoJson.write(records);
        byte[] onDisk = null;
        try {
            onDisk = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException absent) {
            // written below
        }
        if (java.util.Arrays.equals(onDisk, json)) {
            return;
        }
        lock.touch();
        RecordFiles.write(file, json);
    }

    /** Runs {@code op} under a read-only store's shared lock, or without one when the store has no lock file. */
    static void sharedIfPresent(TokenLockFile lock, StoreOp<Void> op) throws IOException {
        if (lock == null) {
            op.run();
            return;
        }
        try (var held = lock.lock(LockMode.SHARED)) {
            op.run();
        }
    }

    /** The graph driver's status lines (upstream's Status: overlay's backing file system, d_type, native diff, metacopy). */
    public synchronized List<java.util.Map.Entry<String, String>> driverStatus() {
        return layerStore.driver().status();
    }

    // ================================================================== layers

    public synchronized List<Layer> layers() throws IOException {
        return withLayers(() -> layerStore.all().stream().map(LayerRec::api).toList());
    }

    public synchronized Layer layer(String key) throws IOException {
        return withLayersKeepingBehind(() -> layerStore.require(key).api());
    }

    public synchronized Path layerTree(String key) throws IOException {
        return withLayers(() -> layerStore.treeOf(layerStore.require(key)));
    }

    public synchronized Layer createLayer(LayerOptions o) throws IOException {
        return createLayer(o, null);
    }

    /** PutLayer: creates a layer (on its parent) and applies {@code diff} to it when not null. */
    public synchronized Layer createLayer(LayerOptions o, InputStream diff) throws IOException {
        return withLayers(() -> withImages(LockMode.SHARED, () -> withContainers(LockMode.SHARED,
                () -> createLayerLocked(o, o.parent() == null ? null : layerStore.require(o.parent()), diff).api())));
    }

    /**
     * PutLayer with the new layer's tree synced behind the caller's back ({@code diff} is applied first): the
     * layer is returned still flagged incomplete, and this thread keeps the layer store's lock until the layer is
     * marked complete - when its sync is done and this thread's next layer is applied, or at the next other
     * operation of this instance, {@link #flush}, or {@link #close}. Meanwhile other processes (and other threads)
     * wait for the lock, so none of them finds the layer flagged incomplete, which upstream's loader would delete.
     * A process killed meanwhile leaves the layer flagged incomplete: removed at the next load, as upstream does.
     */
    public synchronized Layer createLayerSyncingBehind(LayerOptions o, InputStream diff) throws IOException {
        java.util.Objects.requireNonNull(diff, "diff");
        awaitTurn();
        try {
            return layerStore.lockedKeepingBehind(() -> withImages(LockMode.SHARED, () -> withContainers(LockMode.SHARED, () -> {
                LayerRec parent = o.parent() == null ? null : layerStore.require(o.parent());
                if (parent != null && containerStore.usesLayer(parent.id)) {
                    throw new FailedPreconditionException("would-be parent layer is a container");
                }
                return layerStore.createSyncingBehind(o, parent, diff).api();
            })));
        } finally {
            if (hasBehind()) {
                BehindRegistry.add(this);
            } else {
                BehindRegistry.remove(this);
                notifyAll();
            }
        }
    }

    /** Finishes a layer this thread left with its sync behind (see {@link #flush}); for {@code Store.close}. */
    public synchronized void close() throws IOException {
        if (layerStore.behindOwner() == Thread.currentThread()) {
            settleBehind();
        }
    }

    /** Creates a layer; layers.lock held exclusively, containers.lock held. */
    private LayerRec createLayerLocked(LayerOptions o, LayerRec parent, InputStream diff) throws IOException {
        if (parent != null && containerStore.usesLayer(parent.id)) {
            throw new FailedPreconditionException("would-be parent layer is a container");
        }
        return layerStore.create(o, parent, diff);
    }

    /** ApplyDiff: applies a diff to an existing layer's tree, replacing its tar-split and digests. */
    public synchronized long applyDiff(String key, InputStream diff) throws IOException {
        return withLayers(() -> layerStore.applyDiff(key, diff));
    }

    /**
     * Writes the diff of layer {@code to} against {@code from} (null or empty: its parent), compressed
     * with {@code compression} (null: the layer's recorded compression). Against the parent and with a
     * tar-split file, the applied tar is reproduced byte for byte; otherwise the driver generates it.
     */
    public synchronized void diff(String from, String to, Compression compression, OutputStream out) throws IOException {
        withLayers(() -> {
            layerStore.diff(from, to, compression, out);
            return null;
        });
    }

    /** What changed in layer {@code to} against {@code from} (null: its parent), sorted by path. */
    public synchronized List<Change> changes(String from, String to) throws IOException {
        return withLayers(() -> layerStore.changes(from, to));
    }

    /** Upstream's DiffSize: the sizes of the added and modified files, hard-linked ones counted once. */
    public synchronized long diffSize(String from, String to) throws IOException {
        return withLayers(() -> layerStore.diffSize(from, to));
    }

    /** Upstream's {@code copy} between host paths and layers ({@link LayerStore#copy}). */
    public synchronized void copy(List<CopyLocation> sources, CopyLocation target, IdPair chown) throws IOException {
        withLayers(() -> {
            layerStore.copy(sources, target, chown);
            return null;
        });
    }

    /** Layers whose recorded compressed digest is {@code digest}. */
    public synchronized List<Layer> layersByCompressedDigest(String digest) throws IOException {
        return withLayersKeepingBehind(() -> layerStore.all().stream().filter(r -> r.compressedDigest.equals(digest)).map(LayerRec::api).toList());
    }

    /** Layers whose recorded uncompressed digest (diff ID) is {@code digest}. */
    public synchronized List<Layer> layersByUncompressedDigest(String digest) throws IOException {
        return withLayersKeepingBehind(() -> layerStore.all().stream().filter(r -> r.uncompressedDigest.equals(digest)).map(LayerRec::api).toList());
    }

    public synchronized void deleteLayer(String key) throws IOException {
        withLayers(() -> withImages(LockMode.SHARED, () -> withContainers(LockMode.SHARED, () -> {
            LayerRec r = layerStore.requireWritable(key);
            for (LayerRec l : layerStore.records()) {
                if (l.parent.equals(r.id)) {
                    throw new FailedPreconditionException("layer has children");
                }
            }
            for (ImageRec i : imageStore.records()) {
                if (i.layer.equals(r.id) || i.mappedLayers.contains(r.id)) {
                    throw new FailedPreconditionException("layer is in use by an image");
                }
            }
            if (containerStore.usesLayer(r.id)) {
                throw new FailedPreconditionException("layer is in use by a container");
            }
            layerStore.delete(r);
            return null;
        })));
    }

    /**
     * Upstream's layerStore.Delete without the store-level safety checks (children, images, containers):
     * unmounts and deletes the layer, and drops it from images' mapped-layer lists.
     */
    public synchronized void deleteLayerUnchecked(String key) throws IOException {
        withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.SHARED, () -> {
            LayerRec r = layerStore.requireWritable(key);
            layerStore.delete(r);
            boolean changed = false;
            for (ImageRec i : imageStore.records()) {
                changed |= i.mappedLayers.remove(r.id);
            }
            if (changed) {
                imageStore.save();
            }
            return null;
        })));
    }

    public synchronized Path mount(String key) throws IOException {
        return withLayers(() -> layerStore.mount(key));
    }

    public synchronized boolean unmount(String key, boolean force) throws IOException {
        return withLayers(() -> layerStore.unmount(key, force));
    }

    private static void requireKey(String kind, String key) throws InvalidArgumentException {
        if (key == null || key.isEmpty()) {
            throw new InvalidArgumentException("can't set empty name for " + kind + " big data item: not a valid name for a big data item");
        }
    }

    public synchronized void setLayerBigData(String key, String item, InputStream data) throws IOException {
        requireKey("layer", item);
        withLayers(() -> {
            layerStore.setBigData(key, item, data);
            return null;
        });
    }

    public synchronized InputStream layerBigData(String key, String item) throws IOException {
        return withLayers(() -> layerStore.bigData(key, item));
    }

    // ================================================================== images

    public synchronized List<Image> images() throws IOException {
        return withImages(LockMode.SHARED, () -> imageStore.all().stream().map(ImageRec::api).toList());
    }

    public synchronized Image image(String key) throws IOException {
        return withImages(LockMode.SHARED, () -> imageStore.require(key, true).api());
    }

    public synchronized List<Image> imagesByDigest(String digest) throws IOException {
        return withImages(LockMode.SHARED, () -> {
            List<Image> out = new ArrayList<>();
            for (ImageRec r : imageStore.all()) {
                if (r.digests().contains(digest)) {
                    out.add(r.api());
                }
            }
            return out;
        });
    }

    public synchronized Image createImage(ImageOptions o) throws IOException {
        if (o.digest() != null && !o.digest().isEmpty()) {
            ImageStore.validateDigest(o.digest());
        }
        return withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> {
            String top = "";
            if (o.topLayer() != null && !o.topLayer().isEmpty()) {
                top = layerStore.require(o.topLayer()).id;
            }
            return imageStore.create(o, top).api();
        }));
    }

    public synchronized void deleteImage(String key) throws IOException {
        deleteImage(key, false);
    }

    /**
     * Upstream's DeleteImage(id, commit=true) when {@code pruneLayers}: the image goes, then its mapped
     * top layers, then its top layer and that layer's ancestors for as long as no container, other
     * image or remaining child uses them. Returns the layers removed, in removal order.
     */
    public synchronized List<String> deleteImage(String key, boolean pruneLayers) throws IOException {
        return deleteImage(key, pruneLayers, true);
    }

    /** As {@link #deleteImage(String, boolean)}; without {@code commit} nothing changes, the list is only computed. */
    public synchronized List<String> deleteImage(String key, boolean pruneLayers, boolean commit) throws IOException {
        return withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.SHARED, () -> {
            ImageRec r = imageStore.require(key, false);
            String user = null; // upstream names the last container using it (a map overwritten in order)
            for (ContainerRec c : containerStore.records()) {
                if (c.image.equals(r.id)) {
                    user = c.id;
                }
            }
            if (user != null) {
                throw new FailedPreconditionException("image used by " + user + ": image is in use by a container");
            }
            List<String> remove = new ArrayList<>();
            if (pruneLayers) {
                List<LayerRec> layers = layerStore.records();
                java.util.Set<String> otherTops = new java.util.HashSet<>();
                for (ImageRec i : imageStore.records()) {
                    if (i != r) {
                        otherTops.add(i.layer);
                        otherTops.addAll(i.mappedLayers);
                    }
                }
                java.util.Set<String> slated = new java.util.HashSet<>(r.mappedLayers);
                remove.addAll(r.mappedLayers);
                String layer = r.layer;
                while (!layer.isEmpty()) {
                    String l = layer;
                    if (containerStore.records().stream().anyMatch(c -> c.layer.equals(l) || c.id.equals(l)) || otherTops.contains(l)) {
                        break;
                    }
                    LayerRec rec = layerStore.find(l);
                    String parent = rec == null ? "" : rec.parent;
                    List<String> check = new ArrayList<>(List.of(l));
                    if (l.equals(r.layer)) {
                        check.addAll(r.mappedLayers);
                    }
                    boolean children = layers.stream().anyMatch(x -> check.contains(x.parent) && !slated.contains(x.id));
                    if (children) {
                        break;
                    }
                    remove.add(l);
                    slated.add(l);
                    layer = parent;
                }
            }
            if (!commit) {
                return remove;
            }
            imageStore.delete(r);
            for (String l : remove) {
                LayerRec rec = layerStore.find(l);
                if (rec == null) {
                    // as upstream: a slated layer of an additional (read-only) store cannot be deleted;
                    // the image record is gone already
                    throw new NotFoundException("layer not known");
                }
                layerStore.delete(rec);
            }
            return remove;
        })));
    }

    /**
     * Upstream's Delete, with no safety checks: the first of a container (its layer - which must still
     * exist, else {@code identifier is not a layer} - its record, items and {@code userdata}
     * directories), an image (its record and items only: layers stay, containers are not checked) or a
     * layer (unmounted and removed even with children or users); else {@code layer not known}.
     */
    public synchronized void delete(String key) throws IOException {
        withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.EXCLUSIVE, () -> {
            ContainerRec c = containerStore.find(key);
            if (c != null) {
                LayerRec l = layerStore.find(c.layer);
                if (l == null || l.readOnly) {
                    throw new InvalidArgumentException("identifier is not a layer");
                }
                layerStore.delete(l);
                containerStore.delete(c, true);
                return null;
            }
            ImageRec i = imageStore.find(key);
            if (i != null) {
                imageStore.delete(i);
                return null;
            }
            LayerRec l = layerStore.find(key);
            if (l != null) {
                layerStore.delete(l);
                return null;
            }
            throw new NotFoundException("layer not known");
        })));
    }

    /** Upstream's Wipe: every container (with its layer), every image, then every layer, newest first. */
    public synchronized void wipe() throws IOException {
        withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.EXCLUSIVE, () -> {
            for (ContainerRec c : new ArrayList<>(containerStore.records())) {
                containerStore.delete(c, false);
            }
            for (ImageRec i : new ArrayList<>(imageStore.records())) {
                imageStore.delete(i);
            }
            List<LayerRec> byAge = new ArrayList<>(layerStore.records());
            byAge.sort((a, b) -> b.created.compareTo(a.created));
            for (LayerRec l : byAge) {
                layerStore.delete(l);
            }
            return null;
        })));
    }

    /**
     * Upstream's Shutdown: the IDs of mounted layers; with {@code force} they are unmounted, otherwise a
     * mounted layer is an error ({@code a layer is mounted: layer is in use by a container}).
     */
    public synchronized List<String> shutdown(boolean force) throws IOException {
        return withLayers(() -> layerStore.shutdown(force));
    }

    /** MountImage: the image's top layer, mounted (vfs: its tree, with the count incremented). */
    public synchronized Path mountImage(String key) throws IOException {
        String top = withImages(LockMode.SHARED, () -> imageStore.require(key, true).layer);
        if (top.isEmpty()) {
            throw new NotFoundException("layer not known");
        }
        return mount(top);
    }

    public synchronized boolean unmountImage(String key, boolean force) throws IOException {
        String top = withImages(LockMode.SHARED, () -> imageStore.require(key, true).layer);
        return unmount(top, force);
    }

    /**
     * Upstream's ParentOwners: for an ID-mapped, mounted layer, the owners of the directories above its
     * mount point that its maps cannot represent (empty lists for a layer without maps).
     */
    public synchronized long[][] layerParentOwners(String key) throws IOException {
        return withLayers(() -> layerStore.parentOwners(layerStore.require(key)));
    }

    public synchronized long[][] containerParentOwners(String key) throws IOException {
        return withLayers(() -> withContainers(LockMode.SHARED, () -> {
            ContainerRec c = containerStore.require(key);
            LayerRec l = layerStore.find(c.layer);
            if (l == null) {
                throw new NotFoundException("layer not known");
            }
            return layerStore.parentOwners(l);
        }));
    }

    public synchronized void setImageBigData(String key, String item, byte[] data) throws IOException {
        requireKey("image", item);
        withImages(LockMode.EXCLUSIVE, () -> {
            imageStore.setBigData(key, item, data);
            return null;
        });
    }

    public synchronized byte[] imageBigData(String key, String item) throws IOException {
        return withImages(LockMode.SHARED, () -> imageStore.bigData(key, item));
    }

    // ================================================================== containers

    public synchronized List<Container> containers() throws IOException {
        return withContainers(LockMode.SHARED, () -> containerStore.records().stream().map(ContainerRec::api).toList());
    }

    public synchronized Container container(String key) throws IOException {
        return withContainers(LockMode.SHARED, () -> containerStore.require(key).api());
    }

    public synchronized Container createContainer(ContainerOptions o) throws IOException {
        return withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.EXCLUSIVE, () -> {
            ImageRec image = null;
            LayerRec top = null;
            if (o.image() != null && !o.image().isEmpty()) {
                image = imageStore.require(o.image(), true);
                if (!image.layer.isEmpty()) {
                    top = layerStore.require(image.layer);
                }
            }
            List<IdMap> uids = o.uidMap() != null ? o.uidMap() : options.uidMap();
            List<IdMap> gids = o.gidMap() != null ? o.gidMap() : options.gidMap();
            if (top != null && (!top.uidMap.equals(uids) || !top.gidMap.equals(gids))) {
                top = topLayerForMapping(image, top, uids, gids);
            }
            String id = containerStore.newId(o.id());
            List<String> names = containerStore.freeNames(o.names());
            LayerOptions lo = new LayerOptions(null, null, List.of(), "", o.mountLabel(), o.uidMap(), o.gidMap(), null, null);
            LayerRec layer = createLayerLocked(lo, top, null);
            try {
                ContainerRec r = new ContainerRec();
                r.id = id;
                r.names = names;
                r.image = image == null ? "" : image.id;
                r.layer = layer.id;
                r.metadata = o.metadata() == null ? "" : o.metadata();
                r.created = RecordLookup.now();
                r.uidMap = new ArrayList<>(layer.uidMap);
                r.gidMap = new ArrayList<>(layer.gidMap);
                r.flags.put("MountLabel", TextNode.valueOf(o.mountLabel() == null ? "" : o.mountLabel()));
                r.flags.put("ProcessLabel", TextNode.valueOf(""));
                if (o.volatileLayer()) {
                    r.flags.put("Volatile", BooleanNode.TRUE);
                }
                containerStore.add(r);
                return r.api();
            } catch (IOException | RuntimeException e) {
                layerStore.delete(layer);
                throw e;
            }
        })));
    }

    /**
     * Upstream's imageTopLayerForMapping: the image's top layer or one of its mapped top layers with the
     * wanted ID maps; when none has them (and the image is ours to change), a new mapped top layer: a
     * copy of the top layer's tree with owners shifted to the new maps, with its parent, metadata,
     * digests and tar-split, recorded in the image's {@code mapped-layers}.
     */
    private LayerRec topLayerForMapping(ImageRec image, LayerRec top, List<IdMap> uids, List<IdMap> gids) throws IOException {
        List<String> candidates = new ArrayList<>();
        candidates.add(image.layer);
        candidates.addAll(image.mappedLayers);
        for (String c : candidates) {
            LayerRec l = LayerStore.findIn(layerStore.all(), c);
            if (l != null && l.uidMap.equals(uids) && l.gidMap.equals(gids)) {
                return l;
            }
        }
        if (image.readOnly) {
            return top;
        }
        LayerRec r = layerStore.createMappedCopy(top, uids, gids);
        image.mappedLayers.add(r.id);
        imageStore.save();
        return r;
    }

    public synchronized void deleteContainer(String key) throws IOException {
        withLayers(() -> withContainers(LockMode.EXCLUSIVE, () -> {
            ContainerRec r = containerStore.require(key);
            LayerRec layer = layerStore.find(r.layer);
            if (layer != null) {
                layerStore.delete(layer);
            }
            containerStore.delete(r, false);
            return null;
        }));
    }

    public synchronized void setContainerBigData(String key, String item, byte[] data) throws IOException {
        requireKey("container", item);
        withContainers(LockMode.EXCLUSIVE, () -> {
            containerStore.setBigData(key, item, data);
            return null;
        });
    }

    public synchronized byte[] containerBigData(String key, String item) throws IOException {
        return withContainers(LockMode.SHARED, () -> containerStore.bigData(key, item));
    }

    public synchronized Path containerDirectory(String key, boolean run) throws IOException {
        return withContainers(LockMode.SHARED, () -> containerStore.directory(key, run));
    }

    // ================================================================== names and metadata

    public synchronized void updateNames(Store.Kind kind, String key, List<String> names, boolean add) throws IOException {
        updateNames(kind, key, names, add, false);
    }

    /**
     * Upstream's library AddNames (what containers/image calls): the new names first, then the record's
     * old ones, set as one list (the CLI's add-names is SetNames(old + new): {@link #updateNames} with add).
     */
    public synchronized void prependNames(Store.Kind kind, String key, List<String> names) throws IOException {
        updateNames(kind, key, names, true, true);
    }

    private void updateNames(Store.Kind kind, String key, List<String> names, boolean add, boolean first) throws IOException {
        List<String> wanted = RecordLookup.dedupe(names);
        switch (kind) {
            case LAYER -> withLayers(() -> {
                layerStore.updateNames(key, wanted, add, first);
                return null;
            });
            case IMAGE -> withImages(LockMode.EXCLUSIVE, () -> {
                imageStore.updateNames(key, wanted, add, first);
                return null;
            });
            case CONTAINER -> withContainers(LockMode.EXCLUSIVE, () -> {
                containerStore.updateNames(key, wanted, add, first);
                return null;
            });
        }
    }

    public synchronized void setMetadata(Store.Kind kind, String key, String metadata) throws IOException {
        switch (kind) {
            case LAYER -> withLayers(() -> {
                layerStore.setMetadata(key, metadata);
                return null;
            });
            case IMAGE -> withImages(LockMode.EXCLUSIVE, () -> {
                imageStore.setMetadata(key, metadata);
                return null;
            });
            case CONTAINER -> withContainers(LockMode.EXCLUSIVE, () -> {
                containerStore.setMetadata(key, metadata);
                return null;
            });
        }
    }

    // ================================================================== hooks for the store check (io.cargohold.storage.check)

    /** What {@link #readShared} hands its reader while the locks are held. */
    @FunctionalInterface
    public interface SharedReader<T> {
        T read(RecordSnapshot snapshot) throws IOException;
    }

    /**
     * Runs {@code reader} holding every lock file of the store for reading - layers, images, containers
     * and mount points in upstream's order, then each read-only store's layers and images - over the
     * record files read afresh (incomplete layers included, nothing changed or cleaned up) and the
     * lock files' last-writer tokens, so a reader sees one consistent store and no writer runs meanwhile.
     */
    public synchronized <T> T readShared(SharedReader<T> reader) throws IOException {
        settleBehind();
        TokenLockFile layersLock = layerStore.layersLock();
        TokenLockFile mountsLock = layerStore.mountsLock();
        TokenLockFile imagesLock = imageStore.lock();
        TokenLockFile containersLock = containerStore.lock();
        try (var l = layersLock.lock(LockMode.SHARED);
             var i = imagesLock.lock(LockMode.SHARED);
             var c = containersLock.lock(LockMode.SHARED);
             var m = mountsLock.lock(LockMode.SHARED)) {
            List<PosixLockFile.Held> ro = new ArrayList<>();
            try {
                for (ReadOnlyStores.Store s : readOnly.all()) {
                    if (s.layersLock() != null) {
                        ro.add(s.layersLock().lock(LockMode.SHARED));
                    }
                    if (s.imagesLock() != null) {
                        ro.add(s.imagesLock().lock(LockMode.SHARED));
                    }
                }
                StringBuilder tokens = new StringBuilder();
                for (TokenLockFile t : List.of(layersLock, imagesLock, containersLock, mountsLock)) {
                    tokens.append(t.token()).append('/');
                }
                for (ReadOnlyStores.Store s : readOnly.all()) {
                    tokens.append(s.layersLock() == null ? "-" : s.layersLock().token()).append('/');
                    tokens.append(s.imagesLock() == null ? "-" : s.imagesLock().token()).append('/');
                }
                return reader.read(RecordSnapshot.read(layout, readOnly.layouts(), tokens.toString()));
            } finally {
                for (PosixLockFile.Held h : ro.reversed()) {
                    h.close();
                }
            }
        }
    }

    /**
     * Upstream's driver-level Create (the CLI's {@code create-storage-layer}): a layer directory without a
     * record, on top of {@code parent} when given; layers.lock held for writing meanwhile.
     */
    public synchronized void createDriverLayer(String id, String parent) throws IOException {
        withLayers(() -> {
            layerStore.createDriverLayer(id, parent);
            return null;
        });
    }

    /**
     * Removes the directory of a layer that no record accounts for (a check's "not accounted for"), with
     * layers.lock held for writing; returns false, changing nothing, when a record for {@code id}
     * exists by now (a layer another process created since the check looked).
     */
    public synchronized boolean removeDriverLayer(String id) throws IOException {
        return withLayers(() -> layerStore.removeDriverLayer(id));
    }

    /**
     * Replaces an unreadable {@code layers.json} with records rebuilt from the layer trees, their
     * tar-split files and the images' configs and manifests ({@link LayerRecordsRebuild}); the damaged
     * file is kept beside it as {@code layers.json.corrupt-MILLIS}. Crash-safe: the new file replaces
     * the old one atomically, so a crash leaves either. Returns the IDs of the layers given a record,
     * or null when the file was readable after all (nothing changed).
     */
    public synchronized List<String> rebuildLayerRecords() throws IOException {
        TokenLockFile layersLock = layerStore.layersLock();
        try (var l = layersLock.lock(LockMode.EXCLUSIVE);
             var i = imageStore.lock().lock(LockMode.SHARED);
             var c = containerStore.lock().lock(LockMode.SHARED)) {
            try {
                RecordFiles.readArray(layout.layersJson());
                return null;
            } catch (io.cargohold.errors.CorruptException damaged) {
                // rebuild below
            }
            Files.copy(layout.layersJson(), layout.layersJson().resolveSibling("layers.json.corrupt-" + System.currentTimeMillis()));
            List<LayerRec> rebuilt = LayerRecordsRebuild.rebuild(layout, LayerRecordsRebuild.images(layout),
                    LayerRecordsRebuild.containers(layout));
            layerStore.replaceAll(rebuilt);
            return rebuilt.stream().map(r -> r.id).toList();
        }
    }
}
