package io.cargohold.storage.check;

import io.cargohold.text.GoStrings;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Container;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.archive.TarHeader;
import io.cargohold.storage.archive.TarSplitScan;
import io.cargohold.storage.internal.RecordSnapshot;
import io.cargohold.storage.internal.StoreEngine;
import io.cargohold.storage.internal.StoreLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The check and repair of a containers/storage store (upstream v1.51.0's {@code Check} and
 * {@code Repair}, categories and messages included), for stores we, skopeo or podman wrote.
 *
 * <p>The check reads the records under the store's read locks, looks at trees and contents without
 * holding any, and confirms under the read locks that no writer came in between (see {@link #check});
 * it changes nothing.
 * Each layer's tree is compared with the tree its tar-split and its ancestors' describe (see
 * {@link ExpectedTree}), knowing what the v1.43 applier does by design: directories a layer did not
 * name keep the time (and, when the applier made them, the mode) of the apply, so only the
 * attributes an entry set are compared, and a directory's time only for the layer that set it last.
 * The full check also reads every file of each layer's diff once (CRC-64 on a second thread) and
 * recomputes the diff digest.
 *
 * <p>A repair takes the write locks operation by operation, through the store's own deletions,
 * which mark a layer incomplete before touching its files: a repair killed half-way leaves a store
 * the next check and repair finish.
 */
public final class StoreChecker {
    private final Store store;
    private final StoreEngine engine;
    private final Clock clock;

    public StoreChecker(Store store, StoreEngine engine, Clock clock) {
        this.store = store;
        this.engine = engine;
        this.clock = clock;
    }

    // ================================================================== check

    /** A layer as the check sees it: its record, where it lives, and whether it is in a read-only store. */
    private record Where(Layer layer, StoreLayout layout, boolean readOnly) {
        Path tree() {
            return layout.layerTree(layer.id());
        }
    }

    /**
     * Checks optimistically: the records (and the lock files' last-writer tokens) are read under the
     * store's read locks, the long part - trees, contents - runs without any lock, and the records are
     * read again under the read locks: if no writer came in between, the report stands; otherwise the
     * check runs again, and after {@value #OPTIMISTIC_TRIES} tries it holds the read locks for its whole
     * run, as upstream's does. So a check of a large store keeps podman and skopeo 1.9.3 - whose
     * containers/storage v1.43 takes {@code layers.lock} for writing to open a store at all - waiting
     * only for moments, not for the whole check.
     */
    public CheckReport check(CheckOptions options, CheckListener listener) throws IOException {
        boolean ignoreOwners = engine.options().ignoreChownErrors();
        for (int attempt = 0; attempt < OPTIMISTIC_TRIES; attempt++) {
            RecordSnapshot before = engine.readShared(snap -> snap);
            CheckReport report = new Run(before, options, listener, ignoreOwners).run();
            if (engine.readShared(before::sameAs)) {
                return report;
            }
        }
        return engine.readShared(snap -> new Run(snap, options, listener, ignoreOwners).run());
    }

    static final int OPTIMISTIC_TRIES = 3;

    private final class Run {
        final RecordSnapshot snap;
        final CheckOptions options;
        final CheckListener listener;
        final boolean ignoreOwners;
        final CheckReport report = new CheckReport();
        final Map<String, Where> known = new LinkedHashMap<>();
        final Map<String, Boolean> referenced = new HashMap<>();
        final Map<String, Boolean> referencedRo = new HashMap<>();

        Run(RecordSnapshot snap, CheckOptions options, CheckListener listener, boolean ignoreOwners) {
            this.snap = snap;
            this.options = options;
            this.listener = listener;
            this.ignoreOwners = ignoreOwners;
        }

        CheckReport run() throws IOException {
            recordErrors();
            for (Layer l : snap.layers()) {
                known.putIfAbsent(l.id(), new Where(l, snap.layout(), false));
            }
            for (RecordSnapshot.ReadOnly ro : snap.readOnly()) {
                for (Layer l : ro.layers()) {
                    if (!l.flags().containsKey("incomplete")) {
                        known.putIfAbsent(l.id(), new Where(l, ro.layout(), true));
                    }
                }
            }
            for (Where w : known.values()) {
                report.layerParents.put(w.layer().id(), w.layer().parent());
                (w.readOnly() ? referencedRo : referenced).put(w.layer().id(), false);
                if (!w.readOnly() && w.layer().mountCount() > 0) {
                    report.mounts.put(w.layer().id(), w.layer().mountCount());
                }
            }
            // a record file that cannot be read hides what refers to what: report it, and nothing its loss would fake
            boolean layersKnown = snap.layersError() == null;
            boolean usersKnown = layersKnown && snap.imagesError() == null && snap.containersError() == null;
            checkLayers(layersKnown);
            checkImages(layersKnown);
            checkContainers(layersKnown);
            if (usersKnown) {
                unreferenced();
            }
            if (layersKnown) {
                unaccounted();
            }
            return report;
        }

        private void recordErrors() {
            note(snap.layout().layersJson(), snap.layersError());
            note(snap.layout().imagesJson(), snap.imagesError());
            note(snap.layout().containersJson(), snap.containersError());
            for (RecordSnapshot.ReadOnly ro : snap.readOnly()) {
                note(ro.layout().layersJson(), ro.layersError());
                note(ro.layout().imagesJson(), ro.imagesError());
            }
        }

        private void note(Path file, IOException e) {
            if (e != null) {
                String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                report.records.add(new Finding(Problem.RECORDS_UNREADABLE, m.startsWith(file.toString()) ? m : file + ": " + m));
            }
        }

        private Map<String, List<Finding>> layerMap(Where w) {
            return w.readOnly() ? report.roLayers : report.layers;
        }

        private String desc(Where w) {
            return (w.readOnly() ? "read-only " : "") + "layer " + w.layer().id() + ": ";
        }

        private void add(Where w, Problem p, String detail) {
            report.add(layerMap(w), w.layer().id(), p, desc(w) + (detail.isEmpty() ? "" : detail + ": ") + p.text());
        }

        // -------------------------------------------------------------- layers

        private void checkLayers(boolean layersKnown) throws IOException {
            // parents before children, so a child's expected tree starts from its parent's
            Map<String, List<Where>> children = new HashMap<>();
            List<Where> roots = new ArrayList<>();
            for (Where w : known.values()) {
                String p = w.layer().parent();
                if (p == null || p.isEmpty() || !known.containsKey(p)) {
                    roots.add(w);
                } else {
                    children.computeIfAbsent(p, k -> new ArrayList<>()).add(w);
                }
            }
            int[] done = {0};
            try {
                for (Where root : roots) {
                    visit(root, new ExpectedTree(), 0, children, done);
                }
            } finally {
                finishPending();
            }
            for (Where w : known.values()) {
                String p = w.layer().parent();
                if (layersKnown && p != null && !p.isEmpty() && !known.containsKey(p)) {
                    report.add(layerMap(w), w.layer().id(), Problem.LAYER_MISSING,
                            (w.readOnly() ? "read-only " : "") + "layer " + p + ": " + Problem.LAYER_MISSING.text());
                }
            }
        }

        /** Checks {@code w} on top of its parent's expected tree (null: unknown), then its children (iteratively deep chains are rare; depth is bounded by the store's layer count). */
        private void visit(Where w, ExpectedTree parentTree, int depth, Map<String, List<Where>> children, int[] done)
                throws IOException {
            listener.layer(w.layer().id(), done[0], known.size(), readSoFar.get());
            ExpectedTree mine = checkLayer(w, parentTree, depth);
            done[0]++;
            report.layersChecked++;
            for (Where c : children.getOrDefault(w.layer().id(), List.of())) {
                visit(c, mine, depth + 1, children, done);
            }
        }

        /** Returns the layer's expected tree for its children, or null when it is not known. */
        private ExpectedTree checkLayer(Where w, ExpectedTree parentTree, int depth) throws IOException {
            Layer l = w.layer();
            if (l.flags().containsKey("incomplete")) {
                add(w, Problem.LAYER_INCOMPLETE, "");
                return null;
            }
            for (String name : l.bigDataNames()) {
                Path f = StoreLayout.bigDataFile(w.layout().layersDir(), l.id(), name);
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (NoSuchFileException e) {
                    add(w, Problem.LAYER_DATA_MISSING, "data item " + GoStrings.quote(name));
                } catch (IOException e) {
                    report.add(layerMap(w), l.id(), Problem.LAYER_DATA_UNREADABLE, desc(w) + "data item " + GoStrings.quote(name) + ": "
                            + e.getMessage());
                }
            }
            Path tree = w.tree();
            if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
                add(w, Problem.LAYER_DIRECTORY_MISSING, tree.toString());
                return null;
            }
            if (l.uncompressedDigest() == null) {
                return null; // no diff recorded (a container's layer, or one filled through its tree): nothing to compare
            }
            Path tarSplit = w.layout().tarSplit(l.id());
            if (!Files.exists(tarSplit)) {
                add(w, Problem.LAYER_TAR_SPLIT_MISSING, tarSplit.toString());
                return null;
            }
            boolean overlay = w.layout().driver().equals("overlay");
            ExpectedTree expected = overlay ? new ExpectedTree(true) : parentTree == null ? null : parentTree.copy();
            Where parent = known.get(l.parent());
            if (!overlay && expected != null && parent != null && (!parent.layer().uidMap().equals(l.uidMap())
                    || !parent.layer().gidMap().equals(l.gidMap()))) {
                expected.remap(parent.layer().uidMap(), parent.layer().gidMap(), l.uidMap(), l.gidMap());
            }
            // The content (full check only) is read on worker threads while this one scans the tar-split's
            // headers and compares the tree: each file once, for the diff's SHA-256. When that matches the
            // recorded diff ID every byte of every file is as applied, and per-file CRC-64s would add
            // nothing; only when it does not (or the record has no SHA-256) are the files read again with
            // their CRC-64s, to name the damaged ones. Findings are added in one order whatever finishes first.
            boolean sha = l.uncompressedDigest().startsWith("sha256:");
            Future<TarSplitScan.Result> content = null;
            if (options.content()) {
                content = pool().submit(() -> {
                    TarSplitScan.Depth depthOfRead = sha ? TarSplitScan.Depth.DIGEST : TarSplitScan.Depth.CHECKSUMS;
                    TarSplitScan.Result r;
                    try (InputStream in = Files.newInputStream(tarSplit)) {
                        r = TarSplitScan.scan(in, tree, depthOfRead, null, readSoFar::addAndGet);
                    }
                    if (sha && !r.digest().equals(l.uncompressedDigest())) {
                        try (InputStream again = Files.newInputStream(tarSplit)) {
                            List<String> named = TarSplitScan.scan(again, tree, TarSplitScan.Depth.CHECKSUMS, null).problems();
                            r = new TarSplitScan.Result(r.digest(), r.size(), named);
                        }
                    }
                    return r;
                });
            }
            Pending pending = new Pending(w, content);
            this.pending.add(pending);
            try (InputStream in = Files.newInputStream(tarSplit)) {
                pending.metadata = TarSplitScan.scan(in, tree, TarSplitScan.Depth.METADATA, (TarHeader h) -> {
                    if (expected != null) {
                        expected.apply(h, depth, l.uidMap(), l.gidMap());
                    }
                });
            } catch (IOException | RuntimeException e) {
                pending.error = e;
                return null;
            }
            if (expected == null) {
                return null;
            }
            pending.modified = compare(expected, tree, depth);
            return expected;
        }

        /** A layer whose tar-split findings are added once its content has been read. */
        private static final class Pending {
            final Where where;
            final Future<TarSplitScan.Result> content;
            TarSplitScan.Result metadata;
            Exception error;
            List<String> modified = List.of();

            Pending(Where where, Future<TarSplitScan.Result> content) {
                this.where = where;
                this.content = content;
            }
        }

        private final List<Pending> pending = new ArrayList<>();
        private final java.util.concurrent.atomic.AtomicLong readSoFar = new java.util.concurrent.atomic.AtomicLong();
        private ExecutorService pool;

        private ExecutorService pool() {
            if (pool == null) {
                int n = Math.clamp(Runtime.getRuntime().availableProcessors() - 1, 1, 4);
                pool = Executors.newFixedThreadPool(n, r -> {
                    Thread t = new Thread(r, "check-content");
                    t.setDaemon(true);
                    return t;
                });
            }
            return pool;
        }

        /** Adds each layer's tar-split findings, in the order the layers were checked: unreadable, checksums, digest, size, tree. */
        private void finishPending() throws IOException {
            try {
                for (Pending p : pending) {
                    Where w = p.where;
                    Layer l = w.layer();
                    Path tarSplit = w.layout().tarSplit(l.id());
                    TarSplitScan.Result content = null;
                    Exception error = p.error;
                    if (p.content != null) {
                        try {
                            while (true) {
                                try {
                                    content = p.content.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                                    break;
                                } catch (java.util.concurrent.TimeoutException stillReading) {
                                    listener.layer(l.id(), known.size(), known.size(), readSoFar.get());
                                }
                            }
                        } catch (ExecutionException e) {
                            error = error != null ? error : (e.getCause() instanceof Exception x ? x : e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("interrupted while checking layer " + l.id());
                        }
                    }
                    if (error != null) {
                        report.add(layerMap(w), l.id(), Problem.LAYER_TAR_SPLIT_UNREADABLE, desc(w) + tarSplit + ": " + error.getMessage());
                        continue;
                    }
                    if (content != null) {
                        report.bytesRead += content.size();
                        for (String problem : content.problems()) {
                            report.add(layerMap(w), l.id(), Problem.LAYER_FILE_CHECKSUM, desc(w) + problem);
                        }
                        if (l.uncompressedDigest().startsWith("sha256:") && !content.digest().equals(l.uncompressedDigest())) {
                            add(w, Problem.LAYER_INCORRECT_CONTENT_DIGEST, "");
                        }
                    }
                    long size = p.metadata.size();
                    if (l.uncompressedSize() != -1 && size != l.uncompressedSize()) {
                        add(w, Problem.LAYER_INCORRECT_CONTENT_SIZE, "read " + size + " bytes instead of " + l.uncompressedSize() + " bytes");
                    }
                    for (String d : p.modified) {
                        report.add(layerMap(w), l.id(), Problem.LAYER_CONTENT_MODIFIED, desc(w) + d + ", " + Problem.LAYER_CONTENT_MODIFIED.text());
                    }
                }
            } finally {
                if (pool != null) {
                    pool.shutdownNow();
                }
            }
        }

        // -------------------------------------------------------------- tree comparison

        private record Stat(char type, int mode, long uid, long gid, long size, long mtime) {
        }

        private List<String> compare(ExpectedTree expected, Path root, int depth) throws IOException {
            TreeMap<String, Stat> actual = new TreeMap<>();
            walk(root, "", actual);
            report.filesCompared += actual.size();
            List<String> diffs = new ArrayList<>();
            // both maps are sorted the same way: merge them
            var ei = expected.nodes.entrySet().iterator();
            var ai = actual.entrySet().iterator();
            Map.Entry<String, ExpectedTree.Node> e = ei.hasNext() ? ei.next() : null;
            Map.Entry<String, Stat> a = ai.hasNext() ? ai.next() : null;
            while (e != null || a != null) {
                int c = e == null ? 1 : a == null ? -1 : e.getKey().compareTo(a.getKey());
                if (c < 0) {
                    diffs.add("-/" + e.getKey() + (e.getValue().inode().type == ExpectedTree.DIR ? "/" : ""));
                    e = ei.hasNext() ? ei.next() : null;
                } else if (c > 0) {
                    diffs.add("+/" + a.getKey() + (a.getValue().type() == ExpectedTree.DIR ? "/" : ""));
                    a = ai.hasNext() ? ai.next() : null;
                } else {
                    String attrs = attributes(e.getValue(), a.getValue(), root, e.getKey(), depth);
                    if (!attrs.isEmpty()) {
                        diffs.add("/" + e.getKey() + "(" + attrs + ")");
                    }
                    e = ei.hasNext() ? ei.next() : null;
                    a = ai.hasNext() ? ai.next() : null;
                }
            }
            return diffs;
        }

        /** What differs between an expected entry and the file found, as upstream words it ({@code mode:0644￫0600,…}). */
        private String attributes(ExpectedTree.Node n, Stat s, Path root, String rel, int depth) throws IOException {
            ExpectedTree.Inode i = n.inode();
            List<String> out = new ArrayList<>();
            if (i.type != s.type()) {
                out.add("filetype:" + (int) i.type + "\uFFEB" + (int) s.type());
                return String.join(",", out);
            }
            if (!i.explicit) {
                return ""; // a directory the applier made: its mode and owner come from the umask and the maps
            }
            if (!ignoreOwners && i.uid != s.uid()) {
                out.add("uid:" + i.uid + "\uFFEB" + s.uid());
            }
            if (!ignoreOwners && i.gid != s.gid()) {
                out.add("gid:" + i.gid + "\uFFEB" + s.gid());
            }
            if (i.type == ExpectedTree.REG && i.size != s.size()) {
                out.add("size:" + i.size + "\uFFEB" + s.size());
            }
            if (i.type != ExpectedTree.SYMLINK && i.mode != s.mode()) {
                out.add(String.format("mode:%04o\uFFEB%04o", i.mode, s.mode()));
            }
            // A directory's time is what its entry set only if no later entry of any layer touched it, and
            // the root's never is: upstream's applier (skopeo's, podman's) runs chrooted into the layer and
            // makes and removes a temp-storage-extract directory in its root after the directory times are set.
            boolean timeKnown = !i.timeUnknown && (i.type != ExpectedTree.DIR || (i.layer == depth && !rel.isEmpty()));
            if (timeKnown && i.mtime != s.mtime()) {
                out.add(String.format("mtime:0x%x\uFFEB0x%x", i.mtime, s.mtime()));
            }
            if (i.type == ExpectedTree.SYMLINK) {
                String target = Files.readSymbolicLink(rel.isEmpty() ? root : root.resolve(rel)).toString();
                if (!target.equals(i.link)) {
                    out.add("link:" + i.link + "\uFFEB" + target);
                }
            }
            return String.join(",", out);
        }

        private void walk(Path dir, String rel, Map<String, Stat> out) throws IOException {
            out.put(rel, stat(dir));
            List<Path> subdirs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    String r = rel.isEmpty() ? name : rel + "/" + name;
                    Stat s = stat(p);
                    if (s.type() == ExpectedTree.DIR) {
                        subdirs.add(p);
                    } else {
                        out.put(r, s);
                    }
                }
            }
            for (Path p : subdirs) {
                String name = p.getFileName().toString();
                walk(p, rel.isEmpty() ? name : rel + "/" + name, out);
            }
        }

        private static Stat stat(Path p) throws IOException {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            char type = switch (mode & 0170000) {
                case 0040000 -> TarHeader.DIR;
                case 0120000 -> TarHeader.SYMLINK;
                case 0020000 -> TarHeader.CHAR;
                case 0060000 -> TarHeader.BLOCK;
                case 0010000 -> TarHeader.FIFO;
                case 0100000 -> TarHeader.REG;
                default -> 's';
            };
            long mtime = ((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond();
            return new Stat(type, mode & 07777, Integer.toUnsignedLong((Integer) a.get("uid")),
                    Integer.toUnsignedLong((Integer) a.get("gid")), (Long) a.get("size"), mtime);
        }

        // -------------------------------------------------------------- images

        private final Set<String> examinedImages = new HashSet<>();

        private void checkImages(boolean layersKnown) throws IOException {
            checkImages(snap.images(), snap.layout(), false, layersKnown);
            for (RecordSnapshot.ReadOnly ro : snap.readOnly()) {
                checkImages(ro.images(), ro.layout(), true, layersKnown && ro.layersError() == null);
            }
        }

        private void checkImages(List<Image> images, StoreLayout layout, boolean readOnly, boolean layersKnown) throws IOException {
            Map<String, List<Finding>> where = readOnly ? report.roImages : report.images;
            String desc = readOnly ? "read-only image " : "image ";
            for (Image image : images) {
                String id = image.id();
                if (!examinedImages.add(id)) {
                    continue;
                }
                for (String key : image.bigDataNames()) {
                    Problem p = bigData(StoreLayout.bigDataFile(layout.imagesDir(), id, key), key,
                            image.bigDataSizes().getOrDefault(key, 0L), image.bigDataDigests().get(key),
                            Problem.IMAGE_DATA_MISSING, Problem.IMAGE_DATA_INCORRECT_SIZE, Problem.IMAGE_DATA_INCORRECT_DIGEST);
                    if (p != null) {
                        report.add(where, id, p, desc + id + ": data item " + GoStrings.quote(key) + ": " + p.text());
                    }
                }
                Set<String> tops = new HashSet<>();
                List<String> all = new ArrayList<>();
                if (image.topLayer() != null) {
                    all.add(image.topLayer());
                }
                all.addAll(image.mappedLayers());
                for (String top : all) {
                    if (!layersKnown || top.isEmpty() || !tops.add(top)) {
                        continue;
                    }
                    Set<String> seen = new HashSet<>();
                    for (String layer = top; layer != null && !layer.isEmpty() && seen.add(layer);
                         layer = report.layerParents.get(layer)) {
                        if (!referenced.containsKey(layer) && !referencedRo.containsKey(layer)) {
                            report.add(where, id, Problem.IMAGE_LAYER_MISSING,
                                    desc + id + ": layer " + layer + ": " + Problem.IMAGE_LAYER_MISSING.text());
                        } else {
                            referenced.computeIfPresent(layer, (k, v) -> true);
                            referencedRo.computeIfPresent(layer, (k, v) -> true);
                        }
                        for (Map<String, List<Finding>> m : List.of(report.layers, report.roLayers)) {
                            List<Finding> f = m.get(layer);
                            if (f != null && !f.isEmpty()) {
                                where.computeIfAbsent(id, k -> new ArrayList<>()).addAll(f);
                            }
                        }
                    }
                }
            }
        }

        /** Checks one big-data item; returns the problem, or null when it is sound. */
        private Problem bigData(Path file, String key, long size, String digest, Problem missing, Problem wrongSize,
                                Problem wrongDigest) {
            byte[] data;
            try {
                data = Files.readAllBytes(file);
            } catch (IOException e) {
                return missing;
            }
            if (data.length != size) {
                return wrongSize;
            }
            if (digest != null && digest.startsWith("sha256:") && !digest.equals(sha256(data))
                    && !(key.startsWith("manifest") && new String(data, StandardCharsets.UTF_8).contains("\"signatures\""))) {
                // a schema 1 manifest's digest is that of its payload without the signatures; others are plain SHA-256
                return wrongDigest;
            }
            return null;
        }

        // -------------------------------------------------------------- containers

        private void checkContainers(boolean layersKnown) {
            for (Container c : snap.containers()) {
                String id = c.id();
                for (String key : c.bigDataNames()) {
                    Problem p = bigData(StoreLayout.bigDataFile(snap.layout().containersDir(), id, key), key,
                            c.bigDataSizes().getOrDefault(key, 0L), c.bigDataDigests().get(key), Problem.CONTAINER_DATA_MISSING,
                            Problem.CONTAINER_DATA_INCORRECT_SIZE, Problem.CONTAINER_DATA_INCORRECT_DIGEST);
                    if (p != null) {
                        report.add(report.containers, id, p, "container " + id + ": data item " + GoStrings.quote(key) + ": " + p.text());
                    }
                }
                if (c.image() != null && !c.image().isEmpty()) {
                    if (snap.imagesError() == null && !examinedImages.contains(c.image())) {
                        report.add(report.containers, id, Problem.CONTAINER_IMAGE_MISSING,
                                "image " + c.image() + ": " + Problem.CONTAINER_IMAGE_MISSING.text());
                    }
                    for (Map<String, List<Finding>> m : List.of(report.images, report.roImages)) {
                        List<Finding> f = m.get(c.image());
                        if (f != null && !f.isEmpty()) {
                            report.containers.computeIfAbsent(id, k -> new ArrayList<>()).addAll(f);
                        }
                    }
                }
                if (c.layer() != null && !c.layer().isEmpty()) {
                    if (layersKnown && !referenced.containsKey(c.layer())) {
                        report.add(report.containers, id, Problem.CONTAINER_LAYER_MISSING,
                                "container " + id + ": layer " + c.layer() + ": " + Problem.CONTAINER_LAYER_MISSING.text());
                    }
                    // ours: the container's own layer's findings are the container's too (upstream only
                    // passes on its image's), so a repair with force removes the container rather than fail
                    // to delete a layer a container uses
                    List<Finding> f = report.layers.get(c.layer());
                    if (f != null && !f.isEmpty()) {
                        report.containers.computeIfAbsent(id, k -> new ArrayList<>()).addAll(f);
                    }
                    referenced.put(c.layer(), true);
                }
            }
        }

        // -------------------------------------------------------------- unreferenced and unaccounted layers

        private void unreferenced() {
            OffsetDateTime now = OffsetDateTime.now(clock);
            for (Layer l : snap.layers()) {
                if (referenced.getOrDefault(l.id(), false) || l.flags().containsKey("incomplete")) {
                    continue;
                }
                OffsetDateTime created = l.created();
                boolean unknown = created == null || created.getYear() <= 1;
                if (unknown || !created.plus(options.maxUnreferencedAge()).isAfter(now)) {
                    report.add(report.layers, l.id(), Problem.LAYER_UNREFERENCED, "layer " + l.id() + ": " + Problem.LAYER_UNREFERENCED.text());
                }
            }
        }

        private void unaccounted() throws IOException {
            Path dirs = snap.layout().layerTrees();
            if (!Files.isDirectory(dirs)) {
                return;
            }
            List<String> ids = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirs)) {
                for (Path p : ds) {
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && snap.layout().isLayerDirectoryName(p.getFileName().toString())) {
                        ids.add(p.getFileName().toString());
                    }
                }
            }
            ids.sort(Comparator.naturalOrder());
            Set<String> records = new HashSet<>();
            snap.layers().forEach(l -> records.add(l.id()));
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                if (!records.contains(id)) {
                    report.add(report.layers, id, Problem.LAYER_UNACCOUNTED, "layer " + id + ": " + Problem.LAYER_UNACCOUNTED.text());
                }
                report.layerOrder.put(id, i + 1);
            }
        }
    }

    // ================================================================== repair

    /**
     * Upstream's Repair: removes damaged containers (only with {@code removeContainers}), then damaged
     * images with the layers only they used, then the remaining damaged layers children first (layer
     * trees no record accounts for last, and only if still unaccounted for), and resets the reported
     * mount counts when asked. Read-only stores are left alone. Each removal takes the store's write
     * locks; one that fails is reported and the repair goes on.
     */
    public RepairResult repair(CheckReport given, RepairOptions options) throws IOException {
        List<String> rebuilt = List.of();
        Path layersJson = engine.layout().layersJson();
        CheckReport fresh = null;
        if (given.records.stream().anyMatch(f -> f.message().startsWith(layersJson + ": ") || f.message().startsWith(layersJson + " "))) {
            // the layer records come back first (what else could be said about the store depends on them),
            // then the store is checked afresh and repaired from that report
            List<String> ids = engine.rebuildLayerRecords();
            rebuilt = ids == null ? List.of() : ids;
            fresh = check(CheckOptions.full(), CheckListener.NONE);
        }
        CheckReport report = fresh != null ? fresh : given;
        List<String> errors = new ArrayList<>();
        for (Finding f : report.records) {
            errors.add(f.message());
        }
        List<String> containers = new ArrayList<>();
        List<String> images = new ArrayList<>();
        List<String> layers = new ArrayList<>();
        List<String> unaccounted = new ArrayList<>();
        List<String> mounts = new ArrayList<>();
        if (options.removeContainers()) {
            for (String id : report.containers.keySet()) {
                try {
                    store.deleteContainer(id);
                    containers.add(id);
                } catch (NotFoundException e) {
                    // gone already
                } catch (IOException e) {
                    errors.add("deleting container " + id + ": " + e.getMessage());
                }
            }
        }
        Set<String> deleted = new HashSet<>();
        for (String id : report.images.keySet()) {
            // Upstream's DeleteImage(id, true), in a crash-safe order: the layers only this image uses go
            // first, the deepest first (each marked incomplete before its files go), the record last. A
            // repair killed half-way leaves the image naming its top layer, whose chain still reaches every
            // layer left to remove before it meets the missing one: the next check reports that, and the
            // next repair removes the rest. (Children first would cut the chain at the top and orphan the
            // layers below it - the kill -9 test found that.)
            try {
                List<String> slated = new ArrayList<>(store.deleteImage(id, true, false));
                java.util.Collections.reverse(slated);
                for (String layer : slated) {
                    try {
                        store.deleteLayerUnchecked(layer);
                        deleted.add(layer);
                        layers.add(layer);
                    } catch (NotFoundException e) {
                        // unknown already (the damage itself, or a read-only layer)
                    }
                }
                store.deleteImage(id, false);
                images.add(id);
            } catch (NotFoundException e) {
                // gone already
            } catch (IOException e) {
                errors.add("deleting image " + id + ": " + e.getMessage());
            }
        }
        List<String> order = new ArrayList<>(report.layers.keySet());
        Map<String, Integer> depth = new HashMap<>();
        for (String id : order) {
            int d = 0;
            Set<String> seen = new HashSet<>();
            for (String p = report.layerParents.get(id); p != null && !p.isEmpty() && seen.add(p); p = report.layerParents.get(p)) {
                d++;
            }
            depth.put(id, d);
        }
        order.sort((a, b) -> {
            boolean ua = unaccounted(report, a);
            boolean ub = unaccounted(report, b);
            if (ua && ub) {
                return Integer.compare(report.layerOrder.getOrDefault(a, 0), report.layerOrder.getOrDefault(b, 0));
            }
            if (ua != ub) {
                return ua ? 1 : -1;
            }
            return Integer.compare(depth.get(b), depth.get(a));
        });
        for (String id : order) {
            if (deleted.contains(id)) {
                continue;
            }
            if (unaccounted(report, id)) {
                try {
                    if (store.removeDriverLayer(id)) {
                        unaccounted.add(id);
                    }
                } catch (IOException e) {
                    errors.add("deleting storage layer " + id + ": " + e.getMessage());
                }
                continue;
            }
            try {
                store.unmount(id, true);
            } catch (IOException e) {
                // not known any more, or a read-only layer: the deletion below says which
            }
            try {
                store.deleteLayer(id);
                layers.add(id);
            } catch (NotFoundException e) {
                // gone already, or an incomplete layer, which any write finishes by deleting it
                if (report.layers.get(id).stream().anyMatch(f -> f.problem() == Problem.LAYER_INCOMPLETE)) {
                    layers.add(id);
                }
            } catch (FailedPreconditionException e) {
                errors.add("deleting layer " + id + ": " + inUse(id, e));
            } catch (IOException e) {
                errors.add("deleting layer " + id + ": " + e.getMessage());
            }
        }
        if (options.resetMounts()) {
            for (String id : report.mounts.keySet()) {
                try {
                    store.unmount(id, true);
                    mounts.add(id);
                } catch (NotFoundException e) {
                    // removed meanwhile
                }
            }
        }
        return new RepairResult(rebuilt, List.copyOf(containers), List.copyOf(images), List.copyOf(layers), List.copyOf(unaccounted),
                List.copyOf(mounts), List.copyOf(errors));
    }

    private static boolean unaccounted(CheckReport report, String id) {
        return report.layers.getOrDefault(id, List.of()).stream().anyMatch(f -> f.problem() == Problem.LAYER_UNACCOUNTED);
    }

    /** Upstream's DeleteLayer refusal, naming who still uses the layer. */
    private String inUse(String id, FailedPreconditionException e) throws IOException {
        String m = e.getMessage();
        if (m.equals("layer is in use by a container")) {
            for (Container c : store.containers()) {
                if (id.equals(c.layer())) {
                    return "layer " + id + " used by container " + c.id() + ": " + m;
                }
            }
        } else if (m.equals("layer is in use by an image")) {
            for (Image i : store.images()) {
                if (id.equals(i.topLayer()) || i.mappedLayers().contains(id)) {
                    return "layer " + id + " used by image " + i.id() + ": " + m;
                }
            }
        } else if (m.equals("layer has children")) {
            for (Layer l : store.layers()) {
                if (id.equals(l.parent())) {
                    return "used by layer " + l.id() + ": " + m;
                }
            }
        }
        return m;
    }

    // ================================================================== helpers

    static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
