package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.storage.CopyLocation;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.IdPair;
import io.cargohold.storage.archive.KeepOpenOutputStream;
import io.cargohold.storage.archive.LayerArchive;
import io.cargohold.storage.archive.LayerPaths;
import io.cargohold.storage.archive.TreeCopy;
import io.cargohold.storage.internal.Records.LayerRec;
import io.cargohold.storage.internal.driver.GraphDriver;
import io.cargohold.storage.internal.driver.KernelMounts;
import io.cargohold.storage.internal.driver.vfs.VfsDriver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The layer store ({@code G/<driver>-layers/layers.json}, {@code R/<driver>-layers/mountpoints.json} and
 * their lock files, tar-split files and layer big data), upstream's {@code layerStore}: records, their
 * reload and save, incomplete-layer clean-up, lookups, and every layer operation that needs nothing of
 * the image or container stores. Layer contents belong to the {@link GraphDriver}. Not thread-safe and
 * not locking by itself: the coordinator ({@link StoreEngine}) runs each operation inside
 * {@link #locked}, in its lock order.
 */
final class LayerStore {
    static final String INCOMPLETE = "incomplete";

    private final StoreOptions options;
    private final StoreLayout layout;
    private final GraphDriver driver;
    private final ReadOnlyStores readOnly;
    private TokenLockFile layersLock;
    private TokenLockFile mountsLock;

    private List<LayerRec> layers = new ArrayList<>();
    private FileTime layersMtime;
    private boolean layersLoaded;

    /**
     * The layer whose tree's sync runs behind ({@link #createSyncingBehind}): flagged incomplete in layers.json,
     * its sync in {@link #behindSync}, and layers.lock held ({@link #behindLock}, by {@link #behindOwner}) until
     * {@link #settleBehind} clears the flag, so no other process ever loads the store while it is flagged
     * (upstream's loader deletes every incomplete layer it finds with the write lock).
     */
    private LayerRec behind;
    private java.util.concurrent.Future<?> behindSync;
    private io.cargohold.fs.lock.PosixLockFile.Held behindLock;
    private Thread behindOwner;
    private java.util.concurrent.ExecutorService syncer;

    LayerStore(StoreOptions options, StoreLayout layout, GraphDriver driver, ReadOnlyStores readOnly) {
        this.options = options;
        this.layout = layout;
        this.driver = driver;
        this.readOnly = readOnly;
    }

    GraphDriver driver() {
        return driver;
    }

    /** The primary store's layer records (live: the caller holds the lock). */
    List<LayerRec> records() {
        return layers;
    }

    // ================================================================== locking and loading

    private void openLocks() throws IOException {
        if (layersLock == null) {
            RecordFiles.mkdirs(layout.runLayersDir());
            RecordFiles.mkdirs(layout.layersDir());
            layersLock = TokenLockFile.open(layout.layersLock(), false);
            mountsLock = TokenLockFile.open(layout.mountpointsLock(), false);
        }
    }

    TokenLockFile layersLock() throws IOException {
        openLocks();
        return layersLock;
    }

    TokenLockFile mountsLock() throws IOException {
        openLocks();
        return mountsLock;
    }

    /** Runs with the layer store locked exclusively (upstream's writers and its listing do the same). */
    <T> T locked(StoreOp<T> op) throws IOException {
        openLocks();
        try (var held = layersLock.lock(LockMode.EXCLUSIVE)) {
            reload();
            return op.run();
        }
    }

    /** The thread holding layers.lock for a layer whose sync runs behind, or null when none is. */
    Thread behindOwner() {
        return behindOwner;
    }

    /**
     * Runs {@code op} with the layer store locked exclusively, and keeps the lock when {@code op} leaves a layer
     * whose sync runs behind ({@link #createSyncingBehind}). While one is, the lock is already held by this thread
     * (its owner; the caller has checked) and the records in memory are current: {@code op} runs at once.
     */
    <T> T lockedKeepingBehind(StoreOp<T> op) throws IOException {
        if (behindLock == null) {
            openLocks();
            var held = layersLock.lock(LockMode.EXCLUSIVE);
            try {
                reload();
            } catch (IOException | RuntimeException | Error e) {
                held.close();
                throw e;
            }
            behindLock = held;
            behindOwner = Thread.currentThread();
        }
        try {
            return op.run();
        } finally {
            if (behind == null) {
                releaseBehindLock();
            }
        }
    }

    private void releaseBehindLock() throws IOException {
        var held = behindLock;
        behindLock = null;
        behindOwner = null;
        if (held != null) {
            held.close();
        }
    }

    /**
     * Finishes the layer whose sync runs behind, if any (its owner thread only): waits for the sync, clears the
     * incomplete flag and saves (or, when the sync failed, removes the layer), then releases layers.lock.
     */
    void settleBehind() throws IOException {
        if (behindLock == null) {
            return;
        }
        try {
            finishBehind();
            save();
        } finally {
            releaseBehindLock();
        }
    }

    /** Waits for the behind layer's sync and clears its flag in memory (the caller saves); a failed sync removes it. */
    private void finishBehind() throws IOException {
        LayerRec r = behind;
        if (r == null) {
            return;
        }
        behind = null;
        try {
            awaitSync(behindSync);
        } catch (IOException e) {
            discardFailed(r, e);
            throw e;
        } finally {
            behindSync = null;
        }
        r.flags.remove(INCOMPLETE);
    }

    private static void awaitSync(java.util.concurrent.Future<?> f) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // the sync is short and must end before the layer may be marked complete
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException("syncing a layer: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void reload() throws IOException {
        FileTime mtime = null;
        try {
            mtime = Files.getLastModifiedTime(layout.layersJson());
        } catch (NoSuchFileException absent) {
            // no layers yet
        }
        boolean changed = layersLock.modified() | !layersLoaded | !Objects.equals(mtime, layersMtime);
        boolean mountsChanged;
        try (var m = mountsLock.lock(LockMode.SHARED)) {
            mountsChanged = mountsLock.modified();
            if (changed) {
                List<LayerRec> loaded = new ArrayList<>();
                for (JsonNode n : RecordFiles.readArray(layout.layersJson())) {
                    loaded.add(LayerRec.from(n));
                }
                layers = RecordLookup.dedupeNames(loaded, r -> r.names);
                layersMtime = mtime;
                layersLoaded = true;
            }
            if (changed || mountsChanged) {
                loadMountpoints();
            }
        }
        List<LayerRec> incomplete = layers.stream().filter(LayerRec::incomplete).toList();
        if (!incomplete.isEmpty()) {
            // Upstream: a process holding layers.lock for writing finishes every half-created or
            // half-deleted layer by deleting it.
            for (LayerRec r : incomplete) {
                removeFiles(r);
                layers.remove(r);
            }
            save();
        }
    }

    /** Replaces the records with {@code rebuilt} and saves them (layers.lock held for writing). */
    void replaceAll(List<LayerRec> rebuilt) throws IOException {
        layers = new ArrayList<>(rebuilt);
        layersLoaded = true;
        try (var m = mountsLock.lock(LockMode.SHARED)) {
            loadMountpoints();
        }
        save();
    }

    private void loadMountpoints() throws IOException {
        for (LayerRec r : layers) {
            r.mountCount = 0;
            r.mountPoint = "";
        }
        for (JsonNode n : RecordFiles.readArray(layout.mountpointsJson())) {
            LayerRec r = findIn(layers, n.path("id").asText(""));
            if (r != null) {
                r.mountPoint = n.path("path").asText("");
                r.mountCount = n.path("count").asInt();
            }
        }
    }

    void save() throws IOException {
        StoreEngine.save(layersLock, layout.layersJson(), layers.stream().map(LayerRec::json).toList());
        layersMtime = Files.getLastModifiedTime(layout.layersJson());
        saveMountpoints();
    }

    private void saveMountpoints() throws IOException {
        try (var m = mountsLock.lock(LockMode.EXCLUSIVE)) {
            List<Object> out = new ArrayList<>();
            for (LayerRec r : layers) {
                if (!r.mountPoint.isEmpty() && r.mountCount > 0) {
                    out.add(new GoJson.Obj().put("id", r.id).put("path", r.mountPoint).put("count", r.mountCount).map());
                }
            }
            // every layer save comes here, nearly always with the mount counts unchanged
            StoreEngine.saveIfChanged(mountsLock, layout.mountpointsJson(), out);
        }
    }

    // ================================================================== read-only stores and lookups

    List<LayerRec> readOnlyRecords() throws IOException {
        List<LayerRec> out = new ArrayList<>();
        for (ReadOnlyStores.Store s : readOnly.all()) {
            StoreEngine.sharedIfPresent(s.layersLock(), () -> {
                for (JsonNode n : RecordFiles.readArray(s.layout().layersJson())) {
                    LayerRec r = LayerRec.from(n);
                    if (!r.incomplete()) {
                        r.readOnly = true;
                        out.add(r);
                    }
                }
                return null;
            });
        }
        return out;
    }

    static LayerRec findIn(List<LayerRec> list, String key) {
        return RecordLookup.lookup(list, key, r -> r.id, r -> r.names, null);
    }

    /** A primary-store layer by ID, name or unique ID prefix; null when none. */
    LayerRec find(String key) {
        return findIn(layers, key);
    }

    List<LayerRec> all() throws IOException {
        List<LayerRec> all = new ArrayList<>(layers);
        all.addAll(readOnlyRecords());
        return all;
    }

    LayerRec require(String key) throws IOException {
        LayerRec r = findIn(layers, key);
        if (r == null) {
            r = findIn(readOnlyRecords(), key);
        }
        if (r == null) {
            throw new NotFoundException("layer not known");
        }
        return r;
    }

    LayerRec requireWritable(String key) throws IOException {
        LayerRec r = require(key);
        if (r.readOnly) {
            throw new FailedPreconditionException("called a write method on a read-only store");
        }
        return r;
    }

    static GraphDriver.LayerRef ref(LayerRec r) {
        return new GraphDriver.LayerRef(r.id, r.uidMap, r.gidMap);
    }

    /** The layer's tree (vfs: its directory, in this store or an additional one). */
    Path treeOf(LayerRec r) {
        if (!r.readOnly) {
            return layout.layerTree(r.id);
        }
        for (ReadOnlyStores.Store s : readOnly.all()) {
            Path p = s.layout().layerTree(r.id);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return layout.layerTree(r.id);
    }

    private Path tarSplitOf(LayerRec r) {
        return r.readOnly ? readOnlyLayersDir(r).resolve(r.id + ".tar-split.gz") : layout.tarSplit(r.id);
    }

    private Path readOnlyLayersDir(LayerRec r) {
        for (ReadOnlyStores.Store s : readOnly.all()) {
            if (Files.isDirectory(s.layout().layerTree(r.id))) {
                return s.layout().layersDir();
            }
        }
        return layout.layersDir();
    }

    // ================================================================== create, apply, delete

    /**
     * Creates a layer (a child of {@code parent}, null for a base layer) and applies {@code diff} when
     * not null; layers.lock held exclusively, the caller has checked that no container uses the parent.
     */
    LayerRec create(LayerOptions o, LayerRec parent, InputStream diff) throws IOException {
        return create(o, parent, diff, true);
    }

    /** {@link #create}; {@code complete} false leaves the new layer flagged incomplete, its tree made, no diff applied. */
    private LayerRec create(LayerOptions o, LayerRec parent, InputStream diff, boolean complete) throws IOException {
        List<LayerRec> all = all();
        String id = o.id();
        if (id == null || id.isEmpty()) {
            id = RecordLookup.generateId(x -> all.stream().anyMatch(r -> r.id.equals(x)));
        } else if (all.stream().anyMatch(r -> r.id.equals(o.id()))) {
            throw new AlreadyExistsException("that ID is already in use");
        }
        List<String> names = RecordLookup.dedupe(o.names());
        for (String n : names) {
            if (layers.stream().anyMatch(r -> r.names.contains(n))) {
                throw new AlreadyExistsException("that name is already in use");
            }
        }
        List<IdMap> uidMap = o.uidMap() != null ? o.uidMap() : parent != null ? parent.uidMap : options.uidMap();
        List<IdMap> gidMap = o.gidMap() != null ? o.gidMap() : parent != null ? parent.gidMap : options.gidMap();
        LayerRec r = new LayerRec();
        r.id = id;
        r.names = names;
        r.parent = parent == null ? "" : parent.id;
        r.metadata = o.metadata() == null ? "" : o.metadata();
        r.mountLabel = o.mountLabel() == null ? "" : o.mountLabel();
        r.created = RecordLookup.now();
        r.uidMap = new ArrayList<>(uidMap);
        r.gidMap = new ArrayList<>(gidMap);
        r.flags.put(INCOMPLETE, BooleanNode.TRUE);
        layers.add(r);
        save();
        try {
            // a tree copied from the parent's (vfs, or any driver's copy with shifted owners) is synced before the
            // record says complete, as an applied diff is; the background syncs start its write-out meanwhile
            boolean copied = false;
            try (SyncAhead ahead = parent == null ? null : SyncAhead.start(layout.layersDir())) {
                if (parent != null && (!parent.uidMap.equals(r.uidMap) || !parent.gidMap.equals(r.gidMap))) {
                    // upstream: Create, then UpdateLayerIDMap when the maps differ from the parent's
                    driver.createMapped(ref(r), ref(parent));
                    copied = true;
                } else {
                    driver.create(ref(r), parent == null ? null : ref(parent));
                    copied = parent != null && driver instanceof VfsDriver;
                }
            }
            if (!complete) {
                return r;
            }
            if (diff != null) {
                apply(r, diff, ApplyOptions.defaults().withDigests(o.compressedDigest(), o.uncompressedDigest())
                        .expectingUncompressedDigest(o.expectedDiffDigest()), true);
            } else if (copied) {
                PosixFs.syncfs(driver.diffRoot(r.id));
            }
            r.flags.remove(INCOMPLETE);
            save();
            return r;
        } catch (IOException | RuntimeException e) {
            discardFailed(r, e);
            throw e;
        }
    }

    /**
     * {@link #create} of a layer with a diff whose tree is synced behind the caller's back: the layer is applied
     * and stays flagged incomplete while a background thread syncs its file system; the layer before it whose sync
     * was behind (usually its parent) is marked complete once its sync is done, after this layer's tree copy and
     * apply ran alongside that sync. So no record says complete before its tree is on disk, and a copy of several
     * layers in a row waits for a sync only when the next layer is done first. Runs inside
     * {@link #lockedKeepingBehind}, which keeps layers.lock held while a layer is behind.
     */
    LayerRec createSyncingBehind(LayerOptions o, LayerRec parent, InputStream diff) throws IOException {
        LayerRec r = create(o, parent, null, false);
        try {
            apply(r, diff, ApplyOptions.defaults().withDigests(o.compressedDigest(), o.uncompressedDigest())
                    .expectingUncompressedDigest(o.expectedDiffDigest()), false);
        } catch (IOException | RuntimeException e) {
            discardFailed(r, e);
            throw e;
        }
        try {
            finishBehind();
        } catch (IOException | RuntimeException e) {
            discardFailed(r, e); // built on a layer whose sync failed (that one is gone already)
            throw e;
        }
        if (syncer == null) {
            syncer = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
                Thread t = new Thread(task, "layer-sync");
                t.setDaemon(true);
                return t;
            });
        }
        Path root = driver.diffRoot(r.id);
        behindSync = syncer.submit(() -> {
            PosixFs.syncfs(root);
            return null;
        });
        behind = r;
        save(); // the layer before it complete, this one still flagged
        return r;
    }

    /**
     * Upstream's imageTopLayerForMapping, the layer part: a new layer with {@code top}'s parent, metadata,
     * digests and tar-split, and a copy of its tree with owners shifted to {@code uids}/{@code gids}.
     */
    LayerRec createMappedCopy(LayerRec top, List<IdMap> uids, List<IdMap> gids) throws IOException {
        List<LayerRec> all = all();
        LayerRec r = new LayerRec();
        r.id = RecordLookup.generateId(x -> all.stream().anyMatch(l -> l.id.equals(x)));
        r.parent = top.parent;
        r.metadata = top.metadata;
        r.mountLabel = top.mountLabel;
        r.created = RecordLookup.now();
        r.compressedDigest = top.compressedDigest;
        r.compressedSize = top.compressedSize;
        r.uncompressedDigest = top.uncompressedDigest;
        r.uncompressedSize = top.uncompressedSize;
        r.compression = top.compression;
        r.uidSet = new ArrayList<>(top.uidSet);
        r.gidSet = new ArrayList<>(top.gidSet);
        r.uidMap = new ArrayList<>(uids);
        r.gidMap = new ArrayList<>(gids);
        r.flags.put(INCOMPLETE, BooleanNode.TRUE);
        layers.add(r);
        save();
        try {
            try (SyncAhead ahead = SyncAhead.start(layout.layersDir())) {
                driver.createMapped(ref(r), ref(top));
            }
            Path ts = tarSplitOf(top);
            if (Files.exists(ts)) {
                RecordFiles.write(layout.tarSplit(r.id), out -> Files.copy(ts, out));
            }
            PosixFs.syncfs(driver.diffRoot(r.id)); // the copied tree on disk before the record says complete
            r.flags.remove(INCOMPLETE);
            save();
            return r;
        } catch (IOException | RuntimeException e) {
            discardFailed(r, e);
            throw new IOException("creating an ID-mapped copy of layer \"" + top.id + "\": " + e.getMessage(), e);
        }
    }

    /** Undoes a layer whose creation failed (its record still flagged incomplete); cleanup errors are suppressed into {@code e}. */
    private void discardFailed(LayerRec r, Exception e) {
        try {
            removeFiles(r);
            layers.remove(r);
            save();
        } catch (IOException cleanup) {
            e.addSuppressed(cleanup);
        }
    }

    /** ApplyDiff on an existing layer: its tar-split and digests are replaced. */
    long applyDiff(String key, InputStream diff) throws IOException {
        LayerRec r = requireWritable(key);
        long size = apply(r, diff, ApplyOptions.defaults(), true);
        save();
        return size;
    }

    /**
     * Extracts, splits and hashes {@code diff} into the layer in one pass; with {@code sync} the tree is
     * flushed (syncfs) before the tar-split file is renamed into place (without, the caller syncs before
     * the layer may be marked complete), and the record fields are set only after both succeeded. The
     * caller saves the record.
     */
    private long apply(LayerRec r, InputStream diff, ApplyOptions base, boolean sync) throws IOException {
        ApplyOptions ao = base.withIdMaps(r.uidMap, r.gidMap).withIgnoreChownErrors(options.ignoreChownErrors());
        ApplyResult[] result = new ApplyResult[1];
        RecordFiles.write(layout.tarSplit(r.id), out -> {
            Path root = driver.diffRoot(r.id);
            try (SyncAhead ahead = SyncAhead.start(root)) {
                result[0] = driver.applyDiff(ref(r), diff, out, ao);
            }
            if (sync) {
                PosixFs.syncfs(root);
            }
        });
        ApplyResult a = result[0];
        r.compressedDigest = a.compressedDigest();
        r.compressedSize = a.compressedSize();
        r.uncompressedDigest = a.uncompressedDigest();
        r.uncompressedSize = a.uncompressedSize();
        r.compression = a.compression().code();
        r.uidSet = new ArrayList<>(a.uidSet());
        r.gidSet = new ArrayList<>(a.gidSet());
        return a.size();
    }

    private void removeFiles(LayerRec r) throws IOException {
        driver.remove(r.id);
        Files.deleteIfExists(layout.tarSplit(r.id));
        // a process killed while applying a diff leaves its tar-split temp file (ours: .tmp-ID.tar-split.gz<random>)
        try (var s = Files.newDirectoryStream(layout.layersDir(), ".tmp-" + r.id + ".tar-split.gz*")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
        RecordFiles.removeTree(layout.layersDir().resolve(r.id));
    }

    /** Upstream's layerStore.Delete: flagged incomplete, unmounted, its files removed, the record dropped. */
    void delete(LayerRec r) throws IOException {
        r.mountCount = 0;
        r.mountPoint = "";
        r.flags.put(INCOMPLETE, BooleanNode.TRUE);
        save();
        removeFiles(r);
        layers.remove(r);
        save();
    }

    // ================================================================== diffs

    /**
     * Writes the diff of layer {@code to} against {@code from} (null or empty: its parent), compressed
     * with {@code compression} (null: the layer's recorded compression). Against the parent and with a
     * tar-split file, the applied tar is reproduced byte for byte; otherwise the driver makes it.
     */
    void diff(String from, String to, Compression compression, OutputStream out) throws IOException {
        LayerRec[] pair = fromAndTo(from, to);
        LayerRec fromLayer = pair[0];
        LayerRec toLayer = pair[1];
        boolean againstParent = fromLayer == null ? toLayer.parent.isEmpty() : fromLayer.id.equals(toLayer.parent);
        Compression c = compression != null ? compression : Compression.ofCode(toLayer.compression);
        try (OutputStream z = c.compress(new KeepOpenOutputStream(out))) {
            Path ts = tarSplitOf(toLayer);
            if (againstParent && Files.exists(ts)) {
                try (InputStream in = Files.newInputStream(ts)) {
                    LayerArchive.reassemble(in, toLayer.readOnly ? treeOf(toLayer) : driver.diffRoot(toLayer.id), z);
                }
            } else {
                driver.diff(ref(toLayer), fromLayer == null ? null : ref(fromLayer), z);
            }
        }
    }

    List<Change> changes(String from, String to) throws IOException {
        LayerRec[] pair = fromAndTo(from, to);
        return driver.changes(ref(pair[1]), pair[0] == null ? null : ref(pair[0]));
    }

    long diffSize(String from, String to) throws IOException {
        LayerRec[] pair = fromAndTo(from, to);
        return driver.diffSize(ref(pair[1]), pair[0] == null ? null : ref(pair[0]));
    }

    private LayerRec[] fromAndTo(String from, String to) throws IOException {
        LayerRec t = require(to);
        LayerRec f = from != null && !from.isEmpty() ? require(from) : t.parent.isEmpty() ? null : require(t.parent);
        return new LayerRec[] {f, t};
    }

    /**
     * Upstream's {@code copy}: each source (a host path or a path in a layer) is copied into the
     * target with its metadata; owners are mapped from the source layer's ID maps to the target's, or
     * set to {@code chown}. Layer paths are resolved inside their layer's root only.
     */
    void copy(List<CopyLocation> sources, CopyLocation target, IdPair chown) throws IOException {
        List<String> mounted = new ArrayList<>();
        try {
            LayerRec tl = target.layer() == null ? null : requireWritable(target.layer());
            Path dst = tl == null ? Path.of(target.path()) : LayerPaths.resolve(contentOf(tl, mounted), target.path(), false);
            boolean slash = target.path().endsWith("/");
            for (CopyLocation src : sources) {
                LayerRec sl = src.layer() == null ? null : require(src.layer());
                Path from = sl == null ? Path.of(src.path()) : LayerPaths.resolve(contentOf(sl, mounted), src.path(), true);
                TreeCopy.copy(from, dst, slash, sl == null ? List.of() : sl.uidMap, sl == null ? List.of() : sl.gidMap,
                        tl == null ? List.of() : tl.uidMap, tl == null ? List.of() : tl.gidMap, chown);
            }
        } finally {
            for (String id : mounted.reversed()) {
                driver.put(id);
            }
        }
    }

    /** The layer's complete tree: vfs's directory, or the driver's mount of it (remembered in {@code mounted} for a put). */
    private Path contentOf(LayerRec r, List<String> mounted) throws IOException {
        if (driver.tree(r.id) != null) {
            return treeOf(r);
        }
        Path p = driver.get(r.id, GraphDriver.MountOptions.DEFAULT);
        mounted.add(r.id);
        return p;
    }

    // ================================================================== mounts

    /**
     * Upstream's layerStore.Mount: a layer still mounted gets its count raised; otherwise the driver
     * mounts it (vfs: its tree) and the count and mount point are recorded in mountpoints.json.
     */
    Path mount(String key) throws IOException {
        LayerRec r = requireWritable(key);
        if (r.mountCount > 0 && !r.mountPoint.isEmpty() && driver.tree(r.id) == null
                && KernelMounts.isMountPoint(Path.of(r.mountPoint))) {
            r.mountCount++;
            saveMountpoints();
            return Path.of(r.mountPoint);
        }
        // The count first, then the mount: a process killed in between leaves a count without a mount
        // (which the next mount or unmount takes as it finds it), never a mount no record counts.
        int before = r.mountCount;
        String beforePoint = r.mountPoint;
        r.mountCount++;
        r.mountPoint = driver.mountPath(r.id).toString();
        saveMountpoints();
        Path mp;
        try {
            mp = driver.get(r.id, new GraphDriver.MountOptions(List.of(), r.mountLabel));
        } catch (IOException | RuntimeException e) {
            r.mountCount = before;
            r.mountPoint = beforePoint;
            try {
                saveMountpoints();
            } catch (IOException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        if (!mp.toString().equals(r.mountPoint)) {
            r.mountPoint = mp.toString();
            saveMountpoints();
        }
        return mp;
    }

    /** Upstream's layerStore.Unmount: the count lowered, or at the last (or forced) the driver unmounts. */
    boolean unmount(String key, boolean force) throws IOException {
        LayerRec r = requireWritable(key);
        if (r.mountCount > 1 && !force) {
            r.mountCount--;
            saveMountpoints();
            return true;
        }
        try {
            driver.put(r.id);
        } catch (NoSuchFileException gone) {
            // as upstream: a layer directory that is gone counts as unmounted
        }
        r.mountCount = 0;
        r.mountPoint = "";
        saveMountpoints();
        return false;
    }

    /**
     * Upstream's Shutdown, the layer part: the mounted layers; with {@code force} unmounted, else an error.
     * Without an error the driver cleans up what it set up (overlay: the private home mount).
     */
    List<String> shutdown(boolean force) throws IOException {
        List<String> mounted = new ArrayList<>();
        for (LayerRec l : layers) {
            if (l.mountCount > 0) {
                mounted.add(l.id);
                if (force) {
                    try {
                        driver.put(l.id);
                    } catch (NoSuchFileException gone) {
                        // unmounted with it
                    }
                    l.mountCount = 0;
                    l.mountPoint = "";
                }
            }
        }
        if (force && !mounted.isEmpty()) {
            saveMountpoints();
        }
        if (!mounted.isEmpty() && !force) {
            throw new FailedPreconditionException("a layer is mounted: layer is in use by a container");
        }
        driver.cleanup();
        return mounted;
    }

    /**
     * Upstream's ParentOwners: for an ID-mapped, mounted layer, the owners of the directories above its
     * mount point that its maps cannot represent (empty lists for a layer without maps).
     */
    long[][] parentOwners(LayerRec l) throws IOException {
        if (l.uidMap.isEmpty() && l.gidMap.isEmpty()) {
            return new long[][] {{}, {}};
        }
        if (l.mountPoint == null || l.mountPoint.isEmpty()) {
            throw new FailedPreconditionException("layer is not mounted");
        }
        long rootUid = VfsDriver.mapId(0, List.of(), l.uidMap);
        long rootGid = VfsDriver.mapId(0, List.of(), l.gidMap);
        java.util.TreeSet<Long> uids = new java.util.TreeSet<>();
        java.util.TreeSet<Long> gids = new java.util.TreeSet<>();
        for (Path dir = Path.of(l.mountPoint).getParent(); dir != null && dir.getParent() != null; dir = dir.getParent()) {
            for (boolean follow : new boolean[] {true, false}) {
                java.nio.file.LinkOption[] lo = follow ? new java.nio.file.LinkOption[0]
                        : new java.nio.file.LinkOption[] {java.nio.file.LinkOption.NOFOLLOW_LINKS};
                long uid = Integer.toUnsignedLong((int) Files.getAttribute(dir, "unix:uid", lo));
                long gid = Integer.toUnsignedLong((int) Files.getAttribute(dir, "unix:gid", lo));
                if (!mappable(uid, l.uidMap)) {
                    uids.add(uid);
                }
                if (!mappable(gid, l.gidMap)) {
                    gids.add(gid);
                }
            }
        }
        if (rootUid < 0 || rootGid < 0) {
            throw new IOException("reading root ID values for layer " + l.id);
        }
        return new long[][] {uids.stream().mapToLong(Long::longValue).toArray(), gids.stream().mapToLong(Long::longValue).toArray()};
    }

    /** Whether a host ID has a container ID under {@code map} (idtools ToContainer succeeds). */
    private static boolean mappable(long hostId, List<IdMap> map) {
        if (map.isEmpty()) {
            return true;
        }
        for (IdMap m : map) {
            if (hostId >= m.hostId() && hostId < m.hostId() + m.size()) {
                return true;
            }
        }
        return false;
    }

    // ================================================================== big data, names, metadata

    void setBigData(String key, String item, InputStream data) throws IOException {
        LayerRec r = requireWritable(key);
        Path file = StoreLayout.bigDataFile(layout.layersDir(), r.id, item);
        RecordFiles.mkdirs(file.getParent());
        RecordFiles.copy(data, file);
        if (!r.bigDataNames.contains(item)) {
            r.bigDataNames.add(item);
            save();
        }
    }

    InputStream bigData(String key, String item) throws IOException {
        LayerRec r = require(key);
        Path dir = r.readOnly ? readOnlyLayersDir(r) : layout.layersDir();
        try {
            return Files.newInputStream(StoreLayout.bigDataFile(dir, r.id, item));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("layer " + r.id + " has no big data item \"" + item + "\"", e);
        }
    }

    void updateNames(String key, List<String> wanted, boolean add, boolean first) throws IOException {
        LayerRec r = requireWritable(key);
        RecordLookup.updateNames(layers, r, x -> x.names, wanted, add, first);
        save();
    }

    void setMetadata(String key, String metadata) throws IOException {
        requireWritable(key).metadata = metadata;
        save();
    }

    // ================================================================== driver-level layers (no record)

    /**
     * Upstream's driver-level Create (the CLI's {@code create-storage-layer}): a layer directory without a
     * record, on top of {@code parent} when given.
     */
    void createDriverLayer(String id, String parent) throws IOException {
        GraphDriver.LayerRef parentRef = null;
        if (parent != null && !parent.isEmpty()) {
            Path parentTree = driver.tree(parent);
            if (!driver.exists(parent)) {
                throw new NotFoundException("Stat " + parentTree + ": no such file or directory"); // upstream's capital
            }
            parentRef = new GraphDriver.LayerRef(parent, options.uidMap(), options.gidMap());
        }
        if (driver.name().equals("vfs") && Files.isDirectory(layout.layerTree(id), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return; // as upstream's vfs driver: an existing tree is left as it is, and that is success
        }
        driver.create(new GraphDriver.LayerRef(id, options.uidMap(), options.gidMap()), parentRef);
    }

    /** Removes a driver layer no record accounts for; false, changing nothing, when a record for {@code id} exists by now. */
    boolean removeDriverLayer(String id) throws IOException {
        if (layers.stream().anyMatch(r -> r.id.equals(id))) {
            return false;
        }
        driver.remove(id);
        return true;
    }

    /** For the rebuild of an unreadable layers.json. */
    StoreLayout layout() {
        return layout;
    }
}
