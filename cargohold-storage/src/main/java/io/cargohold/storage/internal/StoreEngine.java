package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cargohold.digest.Digest;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import io.cargohold.storage.Container;
import io.cargohold.storage.ContainerOptions;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.internal.Records.ContainerRec;
import io.cargohold.storage.internal.Records.ImageRec;
import io.cargohold.storage.internal.Records.LayerRec;
import java.io.IOException;
import io.cargohold.storage.CopyLocation;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.IdPair;
import io.cargohold.storage.archive.KeepOpenOutputStream;
import io.cargohold.storage.archive.LayerPaths;
import io.cargohold.storage.archive.TreeArchiver;
import io.cargohold.storage.archive.TreeChanges;
import io.cargohold.storage.archive.TreeCopy;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.LayerArchive;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The implementation behind {@link Store}. Every operation takes the lock files it needs in upstream's
 * order (layers → images → containers → mountpoints), reloads a record file when its lock's token
 * (or, for layers, the file's mtime) says another writer changed it, and after every write saves the
 * file atomically and writes a fresh token. Public methods are synchronized: one operation at a time
 * per instance (other instances and processes are excluded by the locks).
 */
public final class StoreEngine {
    static final String INCOMPLETE = "incomplete";
    /** Lazily: seeding a SecureRandom costs ~15 ms of a CLI process that only lists. */
    private static final class Ids {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    private final StoreOptions options;
    private final StoreLayout layout;
    private final VfsDriver vfs;
    private final TokenLockFile imagesLock;
    private final TokenLockFile containersLock;
    private final List<ReadOnlyStore> readOnly = new ArrayList<>();
    private TokenLockFile layersLock;
    private TokenLockFile mountsLock;

    private List<LayerRec> layers = new ArrayList<>();
    private FileTime layersMtime;
    private boolean layersLoaded;
    private List<ImageRec> images = new ArrayList<>();
    private List<ContainerRec> containers = new ArrayList<>();

    /** An additional read-only image store ({@code vfs.imagestore}). */
    private record ReadOnlyStore(StoreLayout layout, TokenLockFile layersLock, TokenLockFile imagesLock) {
    }

    private StoreEngine(StoreOptions options) throws IOException {
        this.options = options;
        if (!"vfs".equals(options.driver())) {
            throw new InvalidArgumentException("driver \"" + options.driver() + "\" is not supported: only vfs");
        }
        this.layout = new StoreLayout(options.graphRoot(), options.runRoot(), options.driver());
        this.vfs = new VfsDriver(layout);
        for (Path p : List.of(layout.runRoot(), layout.graphRoot(), layout.graphRoot().resolve("mounts"),
                layout.graphRoot().resolve("tmp"), layout.driverHome())) {
            RecordFiles.mkdirs(p);
        }
        PosixLockFile.of(layout.storageLock());
        PosixLockFile.of(layout.usernsLock());
        RecordFiles.mkdirs(layout.imagesDir());
        this.imagesLock = TokenLockFile.open(layout.imagesLock(), false);
        RecordFiles.mkdirs(layout.containersDir());
        this.containersLock = TokenLockFile.open(layout.containersLock(), false);
        RecordFiles.mkdirs(layout.runContainersDir());
        RecordFiles.mkdirs(layout.locksDir());
        for (Path dir : options.imageStores()) {
            StoreLayout ro = new StoreLayout(dir, dir, options.driver());
            TokenLockFile ll = Files.exists(ro.layersLock()) ? TokenLockFile.open(ro.layersLock(), true) : null;
            TokenLockFile il = Files.exists(ro.imagesLock()) ? TokenLockFile.open(ro.imagesLock(), true) : null;
            readOnly.add(new ReadOnlyStore(ro, ll, il));
        }
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

    // ================================================================== locking and loading

    @FunctionalInterface
    private interface Op<T> {
        T run() throws IOException;
    }

    private void openLayerLocks() throws IOException {
        if (layersLock == null) {
            RecordFiles.mkdirs(layout.runLayersDir());
            RecordFiles.mkdirs(layout.layersDir());
            layersLock = TokenLockFile.open(layout.layersLock(), false);
            mountsLock = TokenLockFile.open(layout.mountpointsLock(), false);
        }
    }

    /** Runs with the layer store locked exclusively (upstream's writers and its listing do the same). */
    private <T> T withLayers(Op<T> op) throws IOException {
        openLayerLocks();
        try (var held = layersLock.lock(LockMode.EXCLUSIVE)) {
            reloadLayers();
            return op.run();
        }
    }

    private <T> T withImages(LockMode mode, Op<T> op) throws IOException {
        try (var held = imagesLock.lock(mode)) {
            if (imagesLock.modified()) {
                List<ImageRec> loaded = new ArrayList<>();
                for (JsonNode n : RecordFiles.readArray(layout.imagesJson())) {
                    loaded.add(ImageRec.from(n));
                }
                images = dedupeNames(loaded, r -> r.names);
                boolean digestsSet = false;
                for (ImageRec r : images) {
                    digestsSet |= fillDigest(r);
                }
                if (mode == LockMode.EXCLUSIVE && digestsSet) {
                    saveImages();
                }
            }
            return op.run();
        }
    }

    private <T> T withContainers(LockMode mode, Op<T> op) throws IOException {
        try (var held = containersLock.lock(mode)) {
            if (containersLock.modified()) {
                List<ContainerRec> loaded = new ArrayList<>();
                for (JsonNode n : RecordFiles.readArray(layout.containersJson())) {
                    loaded.add(ContainerRec.from(n));
                }
                containers = dedupeNames(loaded, r -> r.names);
            }
            return op.run();
        }
    }

    /**
     * A name on two records: as upstream's load under a write lock, the name stays on the last record
     * holding it (and the file is saved by the next write).
     */
    private static <R> List<R> dedupeNames(List<R> records, Function<R, List<String>> names) {
        java.util.Map<String, R> owner = new java.util.HashMap<>();
        for (R r : records) {
            for (String n : names.apply(r)) {
                owner.put(n, r);
            }
        }
        for (R r : records) {
            names.apply(r).removeIf(n -> owner.get(n) != r);
        }
        return records;
    }

    private void reloadLayers() throws IOException {
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
                layers = dedupeNames(loaded, r -> r.names);
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
                removeLayerFiles(r);
                layers.remove(r);
            }
            saveLayers();
        }
    }

    private void loadMountpoints() throws IOException {
        for (LayerRec r : layers) {
            r.mountCount = 0;
            r.mountPoint = "";
        }
        for (JsonNode n : RecordFiles.readArray(layout.mountpointsJson())) {
            LayerRec r = findLayerIn(layers, n.path("id").asText(""));
            if (r != null) {
                r.mountPoint = n.path("path").asText("");
                r.mountCount = n.path("count").asInt();
            }
        }
    }

    private void saveLayers() throws IOException {
        save(layersLock, layout.layersJson(), layers.stream().map(LayerRec::json).toList());
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
            save(mountsLock, layout.mountpointsJson(), out);
        }
    }

    private void saveImages() throws IOException {
        save(imagesLock, layout.imagesJson(), images.stream().map(ImageRec::json).toList());
    }

    private void saveContainers() throws IOException {
        save(containersLock, layout.containersJson(), containers.stream().map(ContainerRec::json).toList());
    }

    /**
     * Writes a record file (its lock held for writing) and a fresh token. The token is written
     * before the file, not after it as upstream does: a process killed between the two steps must
     * not leave a changed file behind an unchanged token, which other processes that keep the
     * records cached would never reload (upstream has that window for images and containers; for
     * layers its mtime check narrows it, but mtimes are as coarse as the kernel tick). Nobody can
     * look at the token before the lock is released, so writing it first changes nothing else.
     */
    private static void save(TokenLockFile lock, Path file, List<?> records) throws IOException {
        byte[] json = GoJson.write(records);
        lock.touch();
        RecordFiles.write(file, json);
    }

    // ================================================================== read-only stores

    private List<LayerRec> readOnlyLayers() throws IOException {
        List<LayerRec> out = new ArrayList<>();
        for (ReadOnlyStore s : readOnly) {
            sharedIfPresent(s.layersLock(), () -> {
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

    private List<ImageRec> readOnlyImages() throws IOException {
        List<ImageRec> out = new ArrayList<>();
        for (ReadOnlyStore s : readOnly) {
            sharedIfPresent(s.imagesLock(), () -> {
                for (JsonNode n : RecordFiles.readArray(s.layout().imagesJson())) {
                    ImageRec r = ImageRec.from(n);
                    r.readOnly = true;
                    fillDigest(r);
                    out.add(r);
                }
                return null;
            });
        }
        return out;
    }

    /** Runs {@code op} under a read-only store's shared lock, or without one when the store has no lock file. */
    private static void sharedIfPresent(TokenLockFile lock, Op<Void> op) throws IOException {
        if (lock == null) {
            op.run();
            return;
        }
        try (var held = lock.lock(LockMode.SHARED)) {
            op.run();
        }
    }

    private Path treeOf(LayerRec r) {
        if (!r.readOnly) {
            return vfs.dir(r.id);
        }
        for (ReadOnlyStore s : readOnly) {
            Path p = s.layout().layerTree(r.id);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return vfs.dir(r.id);
    }

    // ================================================================== lookups

    /** Upstream's lookup: exact ID, then exact name, then a unique ID prefix. */
    private static <R> R lookup(List<R> records, String key, Function<R, String> id, Function<R, List<String>> names,
                                Function<R, String> alt) {
        if (key == null || key.isEmpty()) {
            return null;
        }
        for (R r : records) {
            if (id.apply(r).equals(key)) {
                return r;
            }
        }
        for (R r : records) {
            if (names.apply(r).contains(key)) {
                return r;
            }
        }
        if (alt != null) {
            for (R r : records) {
                if (key.equals(alt.apply(r))) {
                    return r;
                }
            }
        }
        R found = null;
        for (R r : records) {
            if (id.apply(r).startsWith(key)) {
                if (found != null) {
                    return null;
                }
                found = r;
            }
        }
        return found;
    }

    private static LayerRec findLayerIn(List<LayerRec> list, String key) {
        return lookup(list, key, r -> r.id, r -> r.names, null);
    }

    private List<LayerRec> allLayers() throws IOException {
        List<LayerRec> all = new ArrayList<>(layers);
        all.addAll(readOnlyLayers());
        return all;
    }

    private LayerRec requireLayer(String key) throws IOException {
        LayerRec r = findLayerIn(layers, key);
        if (r == null) {
            r = findLayerIn(readOnlyLayers(), key);
        }
        if (r == null) {
            throw new NotFoundException("layer not known");
        }
        return r;
    }

    private LayerRec requireWritableLayer(String key) throws IOException {
        LayerRec r = requireLayer(key);
        if (r.readOnly) {
            throw new FailedPreconditionException("called a write method on a read-only store");
        }
        return r;
    }

    private ImageRec requireImage(String key, boolean includeReadOnly) throws IOException {
        ImageRec r = lookup(images, key, x -> x.id, x -> x.names, null);
        if (r == null && includeReadOnly) {
            r = lookup(readOnlyImages(), key, x -> x.id, x -> x.names, null);
        }
        if (r == null) {
            throw new NotFoundException("image not known");
        }
        return r;
    }

    private ContainerRec requireContainer(String key) throws IOException {
        ContainerRec r = lookup(containers, key, x -> x.id, x -> x.names, x -> x.layer);
        if (r == null) {
            throw new NotFoundException("container not known");
        }
        return r;
    }

    private static String generateId(java.util.function.Predicate<String> taken) {
        while (true) {
            byte[] b = new byte[32];
            Ids.RANDOM.nextBytes(b);
            String id = HexFormat.of().formatHex(b);
            if (id.substring(0, 12).chars().allMatch(Character::isDigit) || taken.test(id)) {
                continue;
            }
            return id;
        }
    }

    private static List<String> dedupe(List<String> names) {
        return names == null ? new ArrayList<>() : new ArrayList<>(new LinkedHashSet<>(names));
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    // ================================================================== layers

    public synchronized List<Layer> layers() throws IOException {
        return withLayers(() -> allLayers().stream().map(LayerRec::api).toList());
    }

    public synchronized Layer layer(String key) throws IOException {
        return withLayers(() -> requireLayer(key).api());
    }

    public synchronized Path layerTree(String key) throws IOException {
        return withLayers(() -> treeOf(requireLayer(key)));
    }

    public synchronized Layer createLayer(LayerOptions o) throws IOException {
        return createLayer(o, null);
    }

    /** PutLayer: creates a layer (a copy of its parent) and applies {@code diff} to it when not null. */
    public synchronized Layer createLayer(LayerOptions o, InputStream diff) throws IOException {
        return withLayers(() -> withImages(LockMode.SHARED, () -> withContainers(LockMode.SHARED,
                () -> createLayerLocked(o, o.parent() == null ? null : requireLayer(o.parent()), diff).api())));
    }

    private LayerRec createLayerLocked(LayerOptions o, LayerRec parent) throws IOException {
        return createLayerLocked(o, parent, null);
    }

    /** Creates a layer; layers.lock held exclusively, containers.lock held. */
    private LayerRec createLayerLocked(LayerOptions o, LayerRec parent, InputStream diff) throws IOException {
        List<LayerRec> all = allLayers();
        String id = o.id();
        if (id == null || id.isEmpty()) {
            id = generateId(x -> all.stream().anyMatch(r -> r.id.equals(x)));
        } else if (all.stream().anyMatch(r -> r.id.equals(o.id()))) {
            throw new AlreadyExistsException("that ID is already in use");
        }
        List<String> names = dedupe(o.names());
        for (String n : names) {
            if (layers.stream().anyMatch(r -> r.names.contains(n))) {
                throw new AlreadyExistsException("that name is already in use");
            }
        }
        if (parent != null) {
            for (ContainerRec c : containers) {
                if (c.layer.equals(parent.id)) {
                    throw new FailedPreconditionException("would-be parent layer is a container");
                }
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
        r.created = now();
        r.uidMap = new ArrayList<>(uidMap);
        r.gidMap = new ArrayList<>(gidMap);
        r.flags.put(INCOMPLETE, BooleanNode.TRUE);
        layers.add(r);
        saveLayers();
        try {
            vfs.create(id, parent == null ? null : treeOf(parent), VfsDriver.mapId(0, List.of(), uidMap), VfsDriver.mapId(0, List.of(), gidMap),
                    parent == null ? List.of() : parent.uidMap, parent == null ? List.of() : parent.gidMap, uidMap, gidMap);
            if (diff != null) {
                applyLocked(r, diff, ApplyOptions.defaults().withDigests(o.compressedDigest(), o.uncompressedDigest())
                        .expectingUncompressedDigest(o.expectedDiffDigest()));
            }
            r.flags.remove(INCOMPLETE);
            saveLayers();
            return r;
        } catch (IOException | RuntimeException e) {
            discardFailedLayer(r, e);
            throw e;
        }
    }

    /** Undoes a layer whose creation failed (its record still flagged incomplete); cleanup errors are suppressed into {@code e}. */
    private void discardFailedLayer(LayerRec r, Exception e) {
        try {
            removeLayerFiles(r);
            layers.remove(r);
            saveLayers();
        } catch (IOException cleanup) {
            e.addSuppressed(cleanup);
        }
    }

    /** ApplyDiff: applies a diff to an existing layer's tree, replacing its tar-split and digests. */
    public synchronized long applyDiff(String key, InputStream diff) throws IOException {
        return withLayers(() -> {
            LayerRec r = requireWritableLayer(key);
            long size = applyLocked(r, diff, ApplyOptions.defaults());
            saveLayers();
            return size;
        });
    }

    /**
     * Extracts, splits and hashes {@code diff} into the layer in one pass; the tree is flushed
     * (syncfs) before the tar-split file is renamed into place, and the record fields are set only
     * after both succeeded. The caller saves the record.
     */
    private long applyLocked(LayerRec r, InputStream diff, ApplyOptions base) throws IOException {
        Path tree = vfs.dir(r.id);
        ApplyOptions ao = base.withIdMaps(r.uidMap, r.gidMap).withIgnoreChownErrors(options.ignoreChownErrors());
        ApplyResult[] result = new ApplyResult[1];
        RecordFiles.write(layout.tarSplit(r.id), out -> {
            result[0] = LayerArchive.apply(diff, tree, out, ao);
            PosixFs.syncfs(tree);
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

    /**
     * Writes the diff of layer {@code to} against {@code from} (null or empty: its parent), compressed
     * with {@code compression} (null: the layer's recorded compression). Against the parent and with a
     * tar-split file, the applied tar is reproduced byte for byte; otherwise the diff is generated
     * from the trees (changes, whiteouts for deletions), as upstream's naive diff does.
     */
    public synchronized void diff(String from, String to, Compression compression, OutputStream out) throws IOException {
        withLayers(() -> {
            LayerRec[] pair = fromAndTo(from, to);
            LayerRec fromLayer = pair[0];
            LayerRec toLayer = pair[1];
            boolean againstParent = fromLayer == null ? toLayer.parent.isEmpty() : fromLayer.id.equals(toLayer.parent);
            Compression c = compression != null ? compression : Compression.ofCode(toLayer.compression);
            try (OutputStream z = c.compress(new KeepOpenOutputStream(out))) {
                Path ts = tarSplitOf(toLayer);
                if (againstParent && Files.exists(ts)) {
                    try (InputStream in = Files.newInputStream(ts)) {
                        LayerArchive.reassemble(in, treeOf(toLayer), z);
                    }
                } else {
                    naiveDiff(toLayer, fromLayer, z);
                }
            }
            return null;
        });
    }

    /** Upstream's naive diff: the whole tree for a base layer, else the changes against {@code from}. */
    private void naiveDiff(LayerRec to, LayerRec from, OutputStream out) throws IOException {
        if (from == null) {
            TreeArchiver.tarTree(treeOf(to), to.uidMap, to.gidMap, out);
            return;
        }
        List<Change> changes = TreeChanges.between(treeOf(to), to.uidMap, to.gidMap, treeOf(from), from.uidMap, from.gidMap);
        TreeArchiver.exportChanges(treeOf(to), changes, to.uidMap, to.gidMap, out);
    }

    /** What changed in layer {@code to} against {@code from} (null: its parent), sorted by path. */
    public synchronized List<Change> changes(String from, String to) throws IOException {
        return withLayers(() -> {
            LayerRec[] pair = fromAndTo(from, to);
            return changesLocked(pair[0], pair[1]);
        });
    }

    /** Upstream's DiffSize: the sizes of the added and modified files, hard-linked ones counted once. */
    public synchronized long diffSize(String from, String to) throws IOException {
        return withLayers(() -> {
            LayerRec[] pair = fromAndTo(from, to);
            return TreeChanges.size(treeOf(pair[1]), changesLocked(pair[0], pair[1]));
        });
    }

    private List<Change> changesLocked(LayerRec from, LayerRec to) throws IOException {
        return TreeChanges.between(treeOf(to), to.uidMap, to.gidMap, from == null ? null : treeOf(from),
                from == null ? List.of() : from.uidMap, from == null ? List.of() : from.gidMap);
    }

    private LayerRec[] fromAndTo(String from, String to) throws IOException {
        LayerRec t = requireLayer(to);
        LayerRec f = from != null && !from.isEmpty() ? requireLayer(from) : t.parent.isEmpty() ? null : requireLayer(t.parent);
        return new LayerRec[] {f, t};
    }

    /**
     * Upstream's {@code copy}: each source (a host path or a path in a layer) is copied into the
     * target with its metadata; owners are mapped from the source layer's ID maps to the target's, or
     * set to {@code chown}. Layer paths are resolved inside their layer's root only.
     */
    public synchronized void copy(List<CopyLocation> sources, CopyLocation target, IdPair chown) throws IOException {
        withLayers(() -> {
            LayerRec tl = target.layer() == null ? null : requireWritableLayer(target.layer());
            Path dst = tl == null ? Path.of(target.path()) : LayerPaths.resolve(treeOf(tl), target.path(), false);
            boolean slash = target.path().endsWith("/");
            for (CopyLocation src : sources) {
                LayerRec sl = src.layer() == null ? null : requireLayer(src.layer());
                Path from = sl == null ? Path.of(src.path()) : LayerPaths.resolve(treeOf(sl), src.path(), true);
                TreeCopy.copy(from, dst, slash, sl == null ? List.of() : sl.uidMap, sl == null ? List.of() : sl.gidMap,
                        tl == null ? List.of() : tl.uidMap, tl == null ? List.of() : tl.gidMap, chown);
            }
            return null;
        });
    }

    private Path tarSplitOf(LayerRec r) {
        return r.readOnly ? readOnlyLayersDir(r).resolve(r.id + ".tar-split.gz") : layout.tarSplit(r.id);
    }

    /** Layers whose recorded compressed digest is {@code digest}. */
    public synchronized List<Layer> layersByCompressedDigest(String digest) throws IOException {
        return withLayers(() -> allLayers().stream().filter(r -> r.compressedDigest.equals(digest)).map(LayerRec::api).toList());
    }

    /** Layers whose recorded uncompressed digest (diff ID) is {@code digest}. */
    public synchronized List<Layer> layersByUncompressedDigest(String digest) throws IOException {
        return withLayers(() -> allLayers().stream().filter(r -> r.uncompressedDigest.equals(digest)).map(LayerRec::api).toList());
    }

    private void removeLayerFiles(LayerRec r) throws IOException {
        vfs.remove(r.id);
        Files.deleteIfExists(layout.tarSplit(r.id));
        // a process killed while applying a diff leaves its tar-split temp file (ours: .tmp-ID.tar-split.gz<random>)
        try (var s = Files.newDirectoryStream(layout.layersDir(), ".tmp-" + r.id + ".tar-split.gz*")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
        RecordFiles.removeTree(layout.layersDir().resolve(r.id));
    }

    public synchronized void deleteLayer(String key) throws IOException {
        withLayers(() -> withImages(LockMode.SHARED, () -> withContainers(LockMode.SHARED, () -> {
            LayerRec r = requireWritableLayer(key);
            for (LayerRec l : layers) {
                if (l.parent.equals(r.id)) {
                    throw new FailedPreconditionException("layer has children");
                }
            }
            for (ImageRec i : images) {
                if (i.layer.equals(r.id) || i.mappedLayers.contains(r.id)) {
                    throw new FailedPreconditionException("layer is in use by an image");
                }
            }
            for (ContainerRec c : containers) {
                if (c.layer.equals(r.id)) {
                    throw new FailedPreconditionException("layer is in use by a container");
                }
            }
            deleteLayerLocked(r);
            return null;
        })));
    }

    /**
     * Upstream's layerStore.Delete without the store-level safety checks (children, images, containers):
     * unmounts and deletes the layer, and drops it from images' mapped-layer lists.
     */
    public synchronized void deleteLayerUnchecked(String key) throws IOException {
        withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.SHARED, () -> {
            LayerRec r = requireWritableLayer(key);
            deleteLayerLocked(r);
            boolean changed = false;
            for (ImageRec i : images) {
                changed |= i.mappedLayers.remove(r.id);
            }
            if (changed) {
                saveImages();
            }
            return null;
        })));
    }

    private void deleteLayerLocked(LayerRec r) throws IOException {
        r.mountCount = 0;
        r.mountPoint = "";
        r.flags.put(INCOMPLETE, BooleanNode.TRUE);
        saveLayers();
        removeLayerFiles(r);
        layers.remove(r);
        saveLayers();
    }

    public synchronized Path mount(String key) throws IOException {
        return withLayers(() -> {
            LayerRec r = requireWritableLayer(key);
            Path dir = vfs.dir(r.id);
            if (!Files.isDirectory(dir)) {
                throw new NotFoundException("layer " + r.id + " has no tree at " + dir);
            }
            r.mountCount++;
            r.mountPoint = dir.toString();
            saveMountpoints();
            return dir;
        });
    }

    public synchronized boolean unmount(String key, boolean force) throws IOException {
        return withLayers(() -> {
            LayerRec r = requireWritableLayer(key);
            if (r.mountCount > 1 && !force) {
                r.mountCount--;
                saveMountpoints();
                return true;
            }
            r.mountCount = 0;
            r.mountPoint = "";
            saveMountpoints();
            return false;
        });
    }

    private static void requireKey(String kind, String key) throws InvalidArgumentException {
        if (key == null || key.isEmpty()) {
            throw new InvalidArgumentException("can't set empty name for " + kind + " big data item: not a valid name for a big data item");
        }
    }

    public synchronized void setLayerBigData(String key, String item, InputStream data) throws IOException {
        requireKey("layer", item);
        withLayers(() -> {
            LayerRec r = requireWritableLayer(key);
            Path file = StoreLayout.bigDataFile(layout.layersDir(), r.id, item);
            RecordFiles.mkdirs(file.getParent());
            RecordFiles.copy(data, file);
            if (!r.bigDataNames.contains(item)) {
                r.bigDataNames.add(item);
                saveLayers();
            }
            return null;
        });
    }

    public synchronized InputStream layerBigData(String key, String item) throws IOException {
        return withLayers(() -> {
            LayerRec r = requireLayer(key);
            Path dir = r.readOnly ? readOnlyLayersDir(r) : layout.layersDir();
            try {
                return Files.newInputStream(StoreLayout.bigDataFile(dir, r.id, item));
            } catch (NoSuchFileException e) {
                throw new NotFoundException("layer " + r.id + " has no big data item \"" + item + "\"", e);
            }
        });
    }

    private Path readOnlyLayersDir(LayerRec r) {
        for (ReadOnlyStore s : readOnly) {
            if (Files.isDirectory(s.layout().layerTree(r.id))) {
                return s.layout().layersDir();
            }
        }
        return layout.layersDir();
    }

    // ================================================================== images

    /** Sets an empty image digest from its manifest items, as upstream does on (re)computing digests. */
    private static boolean fillDigest(ImageRec r) {
        if (r.digest.isEmpty()) {
            List<String> ds = r.digests();
            if (!ds.isEmpty()) {
                r.digest = ds.getFirst();
                return true;
            }
        }
        return false;
    }

    public synchronized List<Image> images() throws IOException {
        return withImages(LockMode.SHARED, () -> {
            List<Image> out = new ArrayList<>();
            images.forEach(r -> out.add(r.api()));
            readOnlyImages().forEach(r -> out.add(r.api()));
            return out;
        });
    }

    public synchronized Image image(String key) throws IOException {
        return withImages(LockMode.SHARED, () -> requireImage(key, true).api());
    }

    public synchronized List<Image> imagesByDigest(String digest) throws IOException {
        return withImages(LockMode.SHARED, () -> {
            List<Image> out = new ArrayList<>();
            List<ImageRec> all = new ArrayList<>(images);
            all.addAll(readOnlyImages());
            for (ImageRec r : all) {
                if (r.digests().contains(digest)) {
                    out.add(r.api());
                }
            }
            return out;
        });
    }

    public synchronized Image createImage(ImageOptions o) throws IOException {
        if (o.digest() != null && !o.digest().isEmpty()) {
            validateImageDigest(o.digest());
        }
        return withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> {
            String top = "";
            if (o.topLayer() != null && !o.topLayer().isEmpty()) {
                top = requireLayer(o.topLayer()).id;
            }
            List<ImageRec> all = new ArrayList<>(images);
            all.addAll(readOnlyImages());
            String id = o.id();
            if (id == null || id.isEmpty()) {
                id = generateId(x -> all.stream().anyMatch(r -> r.id.equals(x)));
            } else if (all.stream().anyMatch(r -> r.id.equals(o.id()))) {
                throw new AlreadyExistsException("an image with ID \"" + o.id() + "\" already exists: that ID is already in use");
            }
            List<String> names = dedupe(o.names());
            for (String n : names) {
                if (images.stream().anyMatch(r -> r.names.contains(n))) {
                    ImageRec holder = images.stream().filter(x -> x.names.contains(n)).findFirst().orElseThrow();
                    throw new AlreadyExistsException("image name \"" + n + "\" is already associated with image \"" + holder.id
                            + "\": that name is already in use");
                }
            }
            ImageRec r = new ImageRec();
            r.id = id;
            r.digest = o.digest() == null ? "" : o.digest();
            r.names = names;
            r.layer = top;
            r.metadata = o.metadata() == null ? "" : o.metadata();
            r.created = o.created() == null ? now() : o.created();
            images.add(r);
            saveImages();
            return r.api();
        }));
    }

    private static void validateImageDigest(String d) throws InvalidArgumentException {
        int colon = d.indexOf(':');
        String alg = colon < 0 ? "" : d.substring(0, colon);
        String hex = colon < 0 ? "" : d.substring(colon + 1);
        int len = switch (alg) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> -1;
        };
        if (len < 0 || hex.length() != len || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new InvalidArgumentException("invalid digest \"" + d + "\"");
        }
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
            ImageRec r = requireImage(key, false);
            String user = null; // upstream names the last container using it (a map overwritten in order)
            for (ContainerRec c : containers) {
                if (c.image.equals(r.id)) {
                    user = c.id;
                }
            }
            if (user != null) {
                throw new FailedPreconditionException("image used by " + user + ": image is in use by a container");
            }
            List<String> remove = new ArrayList<>();
            if (pruneLayers) {
                java.util.Set<String> otherTops = new java.util.HashSet<>();
                for (ImageRec i : images) {
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
                    if (containers.stream().anyMatch(c -> c.layer.equals(l) || c.id.equals(l)) || otherTops.contains(l)) {
                        break;
                    }
                    LayerRec rec = findLayerIn(layers, l);
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
            images.remove(r);
            saveImages();
            RecordFiles.removeTree(layout.imagesDir().resolve(r.id));
            for (String l : remove) {
                LayerRec rec = findLayerIn(layers, l);
                if (rec == null) {
                    // as upstream: a slated layer of an additional (read-only) store cannot be deleted;
                    // the image record is gone already
                    throw new NotFoundException("layer not known");
                }
                deleteLayerLocked(rec);
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
            ContainerRec c = lookup(containers, key, x -> x.id, x -> x.names, x -> x.layer);
            if (c != null) {
                LayerRec l = findLayerIn(layers, c.layer);
                if (l == null || l.readOnly) {
                    throw new InvalidArgumentException("identifier is not a layer");
                }
                deleteLayerLocked(l);
                containers.remove(c);
                saveContainers();
                RecordFiles.removeTree(layout.containersDir().resolve(c.id));
                RecordFiles.removeTree(layout.containerRunDirectory(c.id));
                return null;
            }
            ImageRec i = lookup(images, key, x -> x.id, x -> x.names, null);
            if (i != null) {
                images.remove(i);
                saveImages();
                RecordFiles.removeTree(layout.imagesDir().resolve(i.id));
                return null;
            }
            LayerRec l = findLayerIn(layers, key);
            if (l != null) {
                deleteLayerLocked(l);
                return null;
            }
            throw new NotFoundException("layer not known");
        })));
    }

    /** Upstream's Wipe: every container (with its layer), every image, then every layer, newest first. */
    public synchronized void wipe() throws IOException {
        withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.EXCLUSIVE, () -> {
            for (ContainerRec c : new ArrayList<>(containers)) {
                containers.remove(c);
                saveContainers();
                RecordFiles.removeTree(layout.containersDir().resolve(c.id));
                RecordFiles.removeTree(layout.runContainersDir().resolve(c.id));
            }
            for (ImageRec i : new ArrayList<>(images)) {
                images.remove(i);
                saveImages();
                RecordFiles.removeTree(layout.imagesDir().resolve(i.id));
            }
            List<LayerRec> byAge = new ArrayList<>(layers);
            byAge.sort((a, b) -> b.created.compareTo(a.created));
            for (LayerRec l : byAge) {
                deleteLayerLocked(l);
            }
            return null;
        })));
    }

    /**
     * Upstream's Shutdown: the IDs of mounted layers; with {@code force} they are unmounted, otherwise a
     * mounted layer is an error ({@code a layer is mounted: layer is in use by a container}).
     */
    public synchronized List<String> shutdown(boolean force) throws IOException {
        return withLayers(() -> {
            List<String> mounted = new ArrayList<>();
            for (LayerRec l : layers) {
                if (l.mountCount > 0) {
                    mounted.add(l.id);
                    if (force) {
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
            return mounted;
        });
    }

    /** MountImage: the image's top layer, mounted (vfs: its tree, with the count incremented). */
    public synchronized Path mountImage(String key) throws IOException {
        String top = withImages(LockMode.SHARED, () -> requireImage(key, true).layer);
        if (top.isEmpty()) {
            throw new NotFoundException("layer not known");
        }
        return mount(top);
    }

    public synchronized boolean unmountImage(String key, boolean force) throws IOException {
        String top = withImages(LockMode.SHARED, () -> requireImage(key, true).layer);
        return unmount(top, force);
    }

    /**
     * Upstream's ParentOwners: for an ID-mapped, mounted layer, the owners of the directories above its
     * mount point that its maps cannot represent (empty lists for a layer without maps).
     */
    public synchronized long[][] layerParentOwners(String key) throws IOException {
        return withLayers(() -> parentOwnersLocked(requireLayer(key)));
    }

    public synchronized long[][] containerParentOwners(String key) throws IOException {
        return withLayers(() -> withContainers(LockMode.SHARED, () -> {
            ContainerRec c = requireContainer(key);
            LayerRec l = findLayerIn(layers, c.layer);
            if (l == null) {
                throw new NotFoundException("layer not known");
            }
            return parentOwnersLocked(l);
        }));
    }

    private long[][] parentOwnersLocked(LayerRec l) throws IOException {
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

    public synchronized void setImageBigData(String key, String item, byte[] data) throws IOException {
        requireKey("image", item);
        withImages(LockMode.EXCLUSIVE, () -> {
            ImageRec r = requireImage(key, false);
            Path file = StoreLayout.bigDataFile(layout.imagesDir(), r.id, item);
            RecordFiles.mkdirs(file.getParent());
            RecordFiles.write(file, data);
            if (!r.bigDataNames.contains(item)) {
                r.bigDataNames.add(item);
            }
            r.bigDataSizes.put(item, (long) data.length);
            r.bigDataDigests.put(item, Digest.sha256(data).toString());
            fillDigest(r);
            saveImages();
            return null;
        });
    }

    public synchronized byte[] imageBigData(String key, String item) throws IOException {
        return withImages(LockMode.SHARED, () -> {
            ImageRec r = requireImage(key, true);
            Path dir = layout.imagesDir();
            if (r.readOnly) {
                for (ReadOnlyStore s : readOnly) {
                    if (Files.isDirectory(s.layout().imagesDir().resolve(r.id))) {
                        dir = s.layout().imagesDir();
                    }
                }
            }
            try {
                return Files.readAllBytes(StoreLayout.bigDataFile(dir, r.id, item));
            } catch (NoSuchFileException e) {
                throw new NotFoundException("image " + r.id + " has no big data item \"" + item + "\"", e);
            }
        });
    }

    // ================================================================== containers

    public synchronized List<Container> containers() throws IOException {
        return withContainers(LockMode.SHARED, () -> containers.stream().map(ContainerRec::api).toList());
    }

    public synchronized Container container(String key) throws IOException {
        return withContainers(LockMode.SHARED, () -> requireContainer(key).api());
    }

    public synchronized Container createContainer(ContainerOptions o) throws IOException {
        return withLayers(() -> withImages(LockMode.EXCLUSIVE, () -> withContainers(LockMode.EXCLUSIVE, () -> {
            ImageRec image = null;
            LayerRec top = null;
            if (o.image() != null && !o.image().isEmpty()) {
                image = requireImage(o.image(), true);
                if (!image.layer.isEmpty()) {
                    top = requireLayer(image.layer);
                }
            }
            List<IdMap> uids = o.uidMap() != null ? o.uidMap() : options.uidMap();
            List<IdMap> gids = o.gidMap() != null ? o.gidMap() : options.gidMap();
            if (top != null && (!top.uidMap.equals(uids) || !top.gidMap.equals(gids))) {
                top = topLayerForMapping(image, top, uids, gids);
            }
            String id = o.id();
            if (id == null || id.isEmpty()) {
                id = generateId(x -> containers.stream().anyMatch(r -> r.id.equals(x)));
            } else if (containers.stream().anyMatch(r -> r.id.equals(o.id()))) {
                throw new AlreadyExistsException("that ID is already in use");
            }
            List<String> names = dedupe(o.names());
            for (String n : names) {
                if (containers.stream().anyMatch(r -> r.names.contains(n))) {
                    ContainerRec holder = containers.stream().filter(x -> x.names.contains(n)).findFirst().orElseThrow();
                    throw new AlreadyExistsException("the container name \"" + n + "\" is already in use by " + holder.id
                            + ". You have to remove that container to be able to reuse that name: that name is already in use");
                }
            }
            LayerOptions lo = new LayerOptions(null, null, List.of(), "", o.mountLabel(), o.uidMap(), o.gidMap(), null, null);
            LayerRec layer = createLayerLocked(lo, top);
            try {
                ContainerRec r = new ContainerRec();
                r.id = id;
                r.names = names;
                r.image = image == null ? "" : image.id;
                r.layer = layer.id;
                r.metadata = o.metadata() == null ? "" : o.metadata();
                r.created = now();
                r.uidMap = new ArrayList<>(layer.uidMap);
                r.gidMap = new ArrayList<>(layer.gidMap);
                r.flags.put("MountLabel", TextNode.valueOf(o.mountLabel() == null ? "" : o.mountLabel()));
                r.flags.put("ProcessLabel", TextNode.valueOf(""));
                if (o.volatileLayer()) {
                    r.flags.put("Volatile", BooleanNode.TRUE);
                }
                containers.add(r);
                saveContainers();
                return r.api();
            } catch (IOException | RuntimeException e) {
                deleteLayerLocked(layer);
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
            LayerRec l = findLayerIn(allLayers(), c);
            if (l != null && l.uidMap.equals(uids) && l.gidMap.equals(gids)) {
                return l;
            }
        }
        if (image.readOnly) {
            return top;
        }
        List<LayerRec> all = allLayers();
        LayerRec r = new LayerRec();
        r.id = generateId(x -> all.stream().anyMatch(l -> l.id.equals(x)));
        r.parent = top.parent;
        r.metadata = top.metadata;
        r.mountLabel = top.mountLabel;
        r.created = now();
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
        saveLayers();
        try {
            vfs.create(r.id, treeOf(top), VfsDriver.mapId(0, List.of(), uids), VfsDriver.mapId(0, List.of(), gids), top.uidMap, top.gidMap,
                    uids, gids);
            Path ts = tarSplitOf(top);
            if (Files.exists(ts)) {
                RecordFiles.write(layout.tarSplit(r.id), out -> Files.copy(ts, out));
            }
            r.flags.remove(INCOMPLETE);
            saveLayers();
            image.mappedLayers.add(r.id);
            saveImages();
            return r;
        } catch (IOException | RuntimeException e) {
            discardFailedLayer(r, e);
            throw new IOException("creating an ID-mapped copy of layer \"" + top.id + "\": " + e.getMessage(), e);
        }
    }

    public synchronized void deleteContainer(String key) throws IOException {
        withLayers(() -> withContainers(LockMode.EXCLUSIVE, () -> {
            ContainerRec r = requireContainer(key);
            LayerRec layer = findLayerIn(layers, r.layer);
            if (layer != null) {
                deleteLayerLocked(layer);
            }
            containers.remove(r);
            saveContainers();
            RecordFiles.removeTree(layout.containersDir().resolve(r.id));
            RecordFiles.removeTree(layout.runContainersDir().resolve(r.id));
            return null;
        }));
    }

    public synchronized void setContainerBigData(String key, String item, byte[] data) throws IOException {
        requireKey("container", item);
        withContainers(LockMode.EXCLUSIVE, () -> {
            ContainerRec r = requireContainer(key);
            Path file = StoreLayout.bigDataFile(layout.containersDir(), r.id, item);
            RecordFiles.mkdirs(file.getParent());
            RecordFiles.write(file, data);
            if (!r.bigDataNames.contains(item)) {
                r.bigDataNames.add(item);
            }
            r.bigDataSizes.put(item, (long) data.length);
            r.bigDataDigests.put(item, Digest.sha256(data).toString());
            saveContainers();
            return null;
        });
    }

    public synchronized byte[] containerBigData(String key, String item) throws IOException {
        return withContainers(LockMode.SHARED, () -> {
            ContainerRec r = requireContainer(key);
            try {
                return Files.readAllBytes(StoreLayout.bigDataFile(layout.containersDir(), r.id, item));
            } catch (NoSuchFileException e) {
                throw new NotFoundException("container " + r.id + " has no big data item \"" + item + "\"", e);
            }
        });
    }

    public synchronized Path containerDirectory(String key, boolean run) throws IOException {
        return withContainers(LockMode.SHARED, () -> {
            ContainerRec r = requireContainer(key);
            Path dir = run ? layout.containerRunDirectory(r.id) : layout.containerDirectory(r.id);
            RecordFiles.mkdirs(dir);
            return dir;
        });
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
        List<String> wanted = dedupe(names);
        switch (kind) {
            case LAYER -> withLayers(() -> {
                LayerRec r = requireWritableLayer(key);
                if (first) {
                    List<String> all = new ArrayList<>(wanted);
                    all.addAll(r.names);
                    moveNames(layers, r, x -> x.names, dedupe(all), false);
                } else {
                    moveNames(layers, r, x -> x.names, wanted, add);
                }
                saveLayers();
                return null;
            });
            case IMAGE -> withImages(LockMode.EXCLUSIVE, () -> {
                ImageRec r = lookup(images, key, x -> x.id, x -> x.names, null);
                if (r == null) {
                    // An image of a read-only store (errata 6): upstream creates a record with the same
                    // ID in the writable store, copying top layer, metadata, created time and digest,
                    // named with the given names minus the first when there are several (a quirk
                    // stores.bats relies on). The read-only store is never written.
                    ImageRec ro = requireImage(key, true);
                    ImageRec copy = new ImageRec();
                    copy.id = ro.id;
                    copy.layer = ro.layer;
                    copy.metadata = ro.metadata;
                    copy.created = ro.created;
                    copy.digest = ro.digest;
                    copy.names = new ArrayList<>(wanted.size() > 1 ? wanted.subList(1, wanted.size()) : wanted);
                    for (ImageRec other : images) {
                        other.names.removeAll(copy.names);
                    }
                    images.add(copy);
                    saveImages();
                    return null;
                }
                if (first) {
                    List<String> all = new ArrayList<>(wanted);
                    all.addAll(r.names);
                    moveNames(images, r, x -> x.names, dedupe(all), false);
                } else {
                    moveNames(images, r, x -> x.names, wanted, add);
                }
                List<String> history = new ArrayList<>();
                for (int i = r.names.size() - 1; i >= 0; i--) {
                    history.add(r.names.get(i));
                }
                for (String h : r.namesHistory) {
                    if (!history.contains(h)) {
                        history.add(h);
                    }
                }
                r.namesHistory = history;
                saveImages();
                return null;
            });
            case CONTAINER -> withContainers(LockMode.EXCLUSIVE, () -> {
                ContainerRec r = requireContainer(key);
                if (first) {
                    List<String> all = new ArrayList<>(wanted);
                    all.addAll(r.names);
                    moveNames(containers, r, x -> x.names, dedupe(all), false);
                } else {
                    moveNames(containers, r, x -> x.names, wanted, add);
                }
                saveContainers();
                return null;
            });
        }
    }

    private static <R> void moveNames(List<R> all, R target, Function<R, List<String>> names, List<String> wanted, boolean add) {
        for (R other : all) {
            if (other != target) {
                names.apply(other).removeAll(wanted);
            }
        }
        List<String> mine = names.apply(target);
        if (!add) {
            mine.clear();
        }
        for (String n : wanted) {
            if (!mine.contains(n)) {
                mine.add(n);
            }
        }
    }

    public synchronized void setMetadata(Store.Kind kind, String key, String metadata) throws IOException {
        switch (kind) {
            case LAYER -> withLayers(() -> {
                requireWritableLayer(key).metadata = metadata;
                saveLayers();
                return null;
            });
            case IMAGE -> withImages(LockMode.EXCLUSIVE, () -> {
                requireImage(key, false).metadata = metadata;
                saveImages();
                return null;
            });
            case CONTAINER -> withContainers(LockMode.EXCLUSIVE, () -> {
                requireContainer(key).metadata = metadata;
                saveContainers();
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
        openLayerLocks();
        try (var l = layersLock.lock(LockMode.SHARED);
             var i = imagesLock.lock(LockMode.SHARED);
             var c = containersLock.lock(LockMode.SHARED);
             var m = mountsLock.lock(LockMode.SHARED)) {
            List<PosixLockFile.Held> ro = new ArrayList<>();
            try {
                for (ReadOnlyStore s : readOnly) {
                    if (s.layersLock() != null) {
                        ro.add(s.layersLock().lock(LockMode.SHARED));
                    }
                    if (s.imagesLock() != null) {
                        ro.add(s.imagesLock().lock(LockMode.SHARED));
                    }
                }
                List<StoreLayout> roLayouts = readOnly.stream().map(ReadOnlyStore::layout).toList();
                StringBuilder tokens = new StringBuilder();
                for (TokenLockFile t : List.of(layersLock, imagesLock, containersLock, mountsLock)) {
                    tokens.append(t.token()).append('/');
                }
                for (ReadOnlyStore s : readOnly) {
                    tokens.append(s.layersLock() == null ? "-" : s.layersLock().token()).append('/');
                    tokens.append(s.imagesLock() == null ? "-" : s.imagesLock().token()).append('/');
                }
                return reader.read(RecordSnapshot.read(layout, roLayouts, tokens.toString()));
            } finally {
                for (PosixLockFile.Held h : ro.reversed()) {
                    h.close();
                }
            }
        }
    }

    /**
     * Upstream's driver-level Create (the CLI's {@code create-storage-layer}): a layer tree without a
     * record, a copy of {@code parent}'s tree when given; layers.lock held for writing meanwhile.
     */
    public synchronized void createDriverLayer(String id, String parent) throws IOException {
        withLayers(() -> {
            Path parentTree = null;
            if (parent != null && !parent.isEmpty()) {
                parentTree = vfs.dir(parent);
                if (!Files.isDirectory(parentTree)) {
                    throw new NotFoundException("Stat " + parentTree + ": no such file or directory"); // upstream's capital
                }
            }
            if (Files.isDirectory(vfs.dir(id), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return null; // as upstream's vfs driver: an existing tree is left as it is, and that is success
            }
            vfs.create(id, parentTree, VfsDriver.mapId(0, List.of(), options.uidMap()), VfsDriver.mapId(0, List.of(), options.gidMap()),
                    options.uidMap(), options.gidMap(), options.uidMap(), options.gidMap());
            return null;
        });
    }

    /**
     * Removes the tree of a layer that no record accounts for (a check's "not accounted for"), with
     * layers.lock held for writing; returns false, changing nothing, when a record for {@code id}
     * exists by now (a layer another process created since the check looked).
     */
    public synchronized boolean removeDriverLayer(String id) throws IOException {
        return withLayers(() -> {
            if (layers.stream().anyMatch(r -> r.id.equals(id))) {
                return false;
            }
            vfs.remove(id);
            return true;
        });
    }

    /**
     * Replaces an unreadable {@code layers.json} with records rebuilt from the layer trees, their
     * tar-split files and the images' configs and manifests ({@link LayerRecordsRebuild}); the damaged
     * file is kept beside it as {@code layers.json.corrupt-MILLIS}. Crash-safe: the new file replaces
     * the old one atomically, so a crash leaves either. Returns the IDs of the layers given a record,
     * or null when the file was readable after all (nothing changed).
     */
    public synchronized List<String> rebuildLayerRecords() throws IOException {
        openLayerLocks();
        try (var l = layersLock.lock(LockMode.EXCLUSIVE);
             var i = imagesLock.lock(LockMode.SHARED);
             var c = containersLock.lock(LockMode.SHARED)) {
            try {
                RecordFiles.readArray(layout.layersJson());
                return null;
            } catch (io.cargohold.errors.CorruptException damaged) {
                // rebuild below
            }
            Files.copy(layout.layersJson(), layout.layersJson().resolveSibling("layers.json.corrupt-" + System.currentTimeMillis()));
            List<LayerRec> rebuilt = LayerRecordsRebuild.rebuild(layout, LayerRecordsRebuild.images(layout),
                    LayerRecordsRebuild.containers(layout));
            layers = new ArrayList<>(rebuilt);
            layersLoaded = true;
            try (var m = mountsLock.lock(LockMode.SHARED)) {
                loadMountpoints();
            }
            saveLayers();
            return rebuilt.stream().map(r -> r.id).toList();
        }
    }
}
