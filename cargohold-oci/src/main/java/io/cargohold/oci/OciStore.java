package io.cargohold.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.content.KvRecord;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.gc.GcOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.content.gc.ReferenceScanner;
import io.cargohold.content.gc.References;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.oci.graph.DescriptorWalker.Node;
import io.cargohold.oci.graph.Disguises;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * OCI images on a {@link BlobStore}: references (key/value records in namespace {@value #REFS} whose
 * value is the descriptor's JSON and whose blob is the manifest or index), atomic imports
 * ({@link #beginImport()}: the copy engine's {@code cargohold:} destination; image-layout and
 * docker-archive import and export are copies, in cargohold-copy), completeness checks and garbage
 * collection, all walking images with the one {@link DescriptorWalker}.
 *
 * <p><b>Leases.</b> An import pins every blob it writes (or finds present), in the same transaction that indexes the
 * blob, with a record {@code leases/<lease id>/<digest>} whose value is the lease's expiry. Garbage
 * collection treats every blob-referencing record as a root, so a blob an import has written is
 * never swept before the import stores its reference (then the reference holds it) or gives up (then
 * the import removes its lease and the blobs it added). A lease left by a killed import expires
 * after {@link #LEASE_TTL} and the next {@code gc} drops it.
 *
 * <p>The store root's {@code index.json} lists every reference (annotation
 * {@code org.opencontainers.image.ref.name} = the reference), rewritten atomically on every change,
 * so {@code skopeo}/{@code umoci} read the store as a layout.
 *
 * <p>Import an image atomically, then inspect, check and collect garbage (this runs as
 * {@code OciStoreExampleTest}; {@code put} there stores the bytes with
 * {@link ImportSession#put(java.io.InputStream, Descriptor)} and returns their descriptor). Images
 * usually come in through the copy engine instead ({@code cargohold:NAME:TAG} as a destination of
 * {@code io.cargohold.copy.ImageCopier}, in cargohold-copy):
 * {@snippet class=io.cargohold.oci.OciStoreExampleTest region=example}
 */
public final class OciStore implements AutoCloseable {
    public static final String REFS = "refs";
    public static final String LEASES = "leases";
    public static final Duration LEASE_TTL = Duration.ofHours(6);

    private final BlobStore blobs;
    private final Clock clock;

    public OciStore(BlobStore blobs, Clock clock) {
        this.blobs = blobs;
        this.clock = clock;
    }

    public static OciStore open(Path root, StoreOptions options) throws IOException {
        return new OciStore(BlobStores.open(root, options), options.clock());
    }

    public BlobStore blobs() {
        return blobs;
    }

    // ================================================================ references

    /** Every well-formed reference; a malformed record is skipped (see {@link #listing()}). */
    public List<ImageRef> list() throws IOException {
        return listing().references();
    }

    /**
     * Every reference, and every reference record that cannot be read (a malformed key or value,
     * e.g. written by an older version or by hand), which is skipped instead of failing the listing;
     * {@link #remove(String)} removes one.
     */
    public Listing listing() throws IOException {
        List<ImageRef> out = new ArrayList<>();
        List<Malformed> bad = new ArrayList<>();
        for (KvRecord r : blobs.listRecords(REFS, "")) {
            try {
                out.add(toImageRef(r));
            } catch (CargoholdException e) {
                bad.add(new Malformed(r.key(), e.getMessage()));
            }
        }
        return new Listing(List.copyOf(out), List.copyOf(bad));
    }

    /** The references of a store, and the records that are not references. */
    public record Listing(List<ImageRef> references, List<Malformed> malformed) {
    }

    /** A reference record that cannot be read: its key and why. */
    public record Malformed(String key, String reason) {
    }

    public ImageRef get(Reference ref) throws IOException {
        KvRecord r = blobs.getRecord(REFS, ref.toString())
                .orElseThrow(() -> new NotFoundException("reference " + ref + " not found"));
        return toImageRef(r);
    }

    private static ImageRef toImageRef(KvRecord r) throws IOException {
        Descriptor d = OciParser.descriptorFromBytes(r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "reference " + r.key());
        return new ImageRef(Reference.parse(r.key()), d);
    }

    /** Removes a reference (its blobs stay until {@link #gc}). */
    public void remove(Reference ref) throws IOException {
        remove(ref.toString());
    }

    /**
     * Removes a reference record by its key, also one that is malformed (see {@link #listing()}).
     * index.json is rewritten first, then the record goes, both under the layout lock: a kill between
     * the two leaves the reference (the removal did not happen), never an index.json entry without a
     * record, which the next write would take for a foreign one.
     */
    public void remove(String key) throws IOException {
        remove(List.of(key));
    }

    /** Removes several references in one step (index.json rewritten once); fails, removing none, when one is not there. */
    public void remove(java.util.Collection<String> keys) throws IOException {
        java.util.Set<String> gone = java.util.Set.copyOf(keys);
        blobs.withLayoutIndex((current, writer) -> {
            LayoutSync sync = adoptForeign(current);
            for (String key : gone) {
                if (blobs.getRecord(REFS, key).isEmpty()) {
                    throw new NotFoundException("reference " + key + " not found");
                }
            }
            writer.write(render(sync.kept(), gone));
            for (String key : gone) {
                blobs.removeRecord(REFS, key);
            }
            return null;
        });
    }

    void storeReference(Reference ref, Descriptor d) throws IOException {
        Map<String, String> annotations = new TreeMap<>(d.annotations());
        annotations.remove(MediaTypes.REF_NAME_ANNOTATION);
        Descriptor clean = d.withAnnotations(annotations);
        blobs.putRecord(REFS, ref.toString(), new String(OciParser.toBytes(OciParser.toJson(clean)),
                java.nio.charset.StandardCharsets.UTF_8), d.digest());
    }

    /**
     * Stores (or moves) a reference and rewrites index.json, one step under the layout lock: the
     * record first, then index.json (a kill between leaves a record that the next write lists).
     */
    void commitReference(Reference ref, Descriptor d) throws IOException {
        blobs.withLayoutIndex((current, writer) -> {
            LayoutSync sync = adoptForeign(current);
            storeReference(ref, d);
            writer.write(render(sync.kept(), java.util.Set.of()));
            return null;
        });
    }

    /**
     * Rewrites the store root's index.json from the references, after adopting foreign entries (see
     * {@link #adoptForeign}); returns what was adopted and what was kept as it was.
     */
    public LayoutSync syncLayoutIndex() throws IOException {
        return blobs.withLayoutIndex((current, writer) -> {
            LayoutSync sync = adoptForeign(current);
            byte[] next = render(sync.kept(), java.util.Set.of());
            if (current == null || !java.util.Arrays.equals(current, next)) {
                writer.write(next);
            }
            return sync;
        });
    }

    /** What a look at index.json found: entries adopted as references, and foreign entries kept as they are (with why). */
    public record LayoutSync(List<String> adopted, List<Kept> kept, String malformed) {
        public LayoutSync {
            adopted = List.copyOf(adopted);
            kept = List.copyOf(kept);
        }
    }

    /** A foreign entry of index.json that is not a reference of ours, kept in index.json untouched. */
    public record Kept(JsonNode entry, String name, String reason) {
    }

    /**
     * The contract with other writers of the store root as an OCI layout (e.g. {@code skopeo copy …
     * oci:$ROOT:name:tag}): an index.json entry that is not one of our references (a name we do not
     * have, or have with another digest) is <b>adopted</b> when its name is a valid reference and its
     * whole graph is in {@code blobs/} with the right digests: its blobs are verified and indexed
     * (pinned by a lease meanwhile) and it becomes a reference like an imported one. Anything else
     * (unnamed, a name that is not a reference, a graph with missing or wrong blobs) is kept in
     * index.json untouched and reported (fsck), never dropped. Called under the layout lock.
     */
    private LayoutSync adoptForeign(byte[] current) throws IOException {
        if (current == null) {
            return new LayoutSync(List.of(), List.of(), null);
        }
        JsonNode root;
        try {
            root = OciParser.Json.MAPPER.readTree(current);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject() || !root.path("manifests").isArray()) {
            Path aside = keepAside(current);
            io.cargohold.logging.LazyLogger.of(OciStore.class).log(System.Logger.Level.WARNING,
                    "index.json of " + blobs.root() + " is not an OCI index; kept as " + aside + " and rewritten from the references");
            return new LayoutSync(List.of(), List.of(), "not an OCI index (kept as " + aside.getFileName() + ")");
        }
        Map<String, Descriptor> ours = new java.util.HashMap<>();
        for (ImageRef r : list()) {
            ours.put(r.reference().toString(), r.descriptor());
        }
        List<String> adopted = new ArrayList<>();
        List<Kept> kept = new ArrayList<>();
        for (JsonNode entry : root.path("manifests")) {
            JsonNode nameNode = entry.path("annotations").path(MediaTypes.REF_NAME_ANNOTATION);
            String name = nameNode.isTextual() ? nameNode.textValue() : null;
            Descriptor d;
            try {
                d = OciParser.descriptorFromBytes(OciParser.Json.MAPPER.writeValueAsBytes(entry), "index.json entry");
            } catch (CargoholdException e) {
                kept.add(new Kept(entry, name, e.getMessage()));
                continue;
            }
            if (name != null && ours.containsKey(name) && ours.get(name).digest().equals(d.digest())) {
                continue; // ours
            }
            String why = adopt(name, d, false);
            if (why == null) {
                adopted.add(name);
                ours.put(name, d);
            } else {
                kept.add(new Kept(entry, name, why));
            }
        }
        return new LayoutSync(adopted, kept, null);
    }

    /** The foreign entries of index.json, none adopted (a dry run changes nothing). */
    private LayoutSync adoptForeignDryRun(byte[] current) throws IOException {
        List<Kept> kept = new ArrayList<>();
        if (current != null) {
            JsonNode root;
            try {
                root = OciParser.Json.MAPPER.readTree(current);
            } catch (IOException e) {
                return new LayoutSync(List.of(), List.of(), "not an OCI index");
            }
            java.util.Set<String> ours = new java.util.HashSet<>();
            for (ImageRef r : list()) {
                ours.add(r.reference() + "@" + r.descriptor().digest());
            }
            for (JsonNode entry : root.path("manifests")) {
                JsonNode name = entry.path("annotations").path(MediaTypes.REF_NAME_ANNOTATION);
                if (!(name.isTextual() && ours.contains(name.textValue() + "@" + entry.path("digest").asText()))) {
                    kept.add(new Kept(entry, name.isTextual() ? name.textValue() : null, "dry run"));
                }
            }
        }
        return new LayoutSync(List.of(), kept, null);
    }

    /**
     * Adopts one foreign entry (or, with {@code dryRun}, only says whether it could be): null when done,
     * else why not.
     */
    private String adopt(String name, Descriptor top, boolean dryRun) throws IOException {
        if (name == null) {
            return "unnamed entry (no " + MediaTypes.REF_NAME_ANNOTATION + ")";
        }
        Reference ref;
        try {
            ref = Reference.parse(name);
        } catch (CargoholdException e) {
            return "its name is not a reference NAME:TAG (" + e.getMessage() + ")";
        }
        io.cargohold.oci.layout.OciLayoutDir layout = io.cargohold.oci.layout.OciLayoutDir.open(blobs.root());
        DescriptorWalker.Loader loader = layout.walkerLoader();
        List<Node> plan;
        try {
            plan = DescriptorWalker.over(loader, DescriptorWalker.Subjects.IF_PRESENT).plan(top, "index.json entry " + name);
            for (Node n : plan) {
                if (!loader.has(n.descriptor())) {
                    return "blob " + n.descriptor().digest() + " (named by " + n.namedBy() + ") is missing";
                }
            }
            for (Node n : plan) {
                if (n.document() instanceof OciDocument.Manifest m) {
                    refuse(n.descriptor(), Disguises.in(m, b -> layout.openBlob(b, "manifest " + n.descriptor().digest())));
                }
            }
        } catch (CargoholdException e) {
            return e.getMessage();
        }
        if (dryRun) {
            return null;
        }
        try (ImportSession session = beginImport()) {
            for (Node n : plan) {
                Descriptor d = n.descriptor();
                if (!session.has(d)) {
                    try (InputStream in = layout.openBlob(d, n.namedBy())) {
                        session.put(in, d);
                    }
                }
            }
            session.adopted(ref, top);
        } catch (CargoholdException e) {
            return e.getMessage();
        }
        return null;
    }

    /** The index.json of our references plus the kept foreign entries, leaving out the references {@code without}. */
    private byte[] render(List<Kept> kept, java.util.Set<String> without) throws IOException {
        List<Object> manifests = new ArrayList<>();
        for (ImageRef r : list()) {
            if (without.contains(r.reference().toString())) {
                continue;
            }
            Map<String, String> a = new TreeMap<>(r.descriptor().annotations());
            a.put(MediaTypes.REF_NAME_ANNOTATION, r.reference().toString());
            manifests.add(OciParser.toJson(r.descriptor().withAnnotations(a)));
        }
        for (Kept k : kept) {
            manifests.add(OciParser.Json.MAPPER.convertValue(k.entry(), Object.class));
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", manifests);
        return OciParser.toBytes(index);
    }

    private Path keepAside(byte[] content) throws IOException {
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").format(clock.instant().atZone(java.time.ZoneOffset.UTC));
        Path aside = blobs.root().resolve("index.json.malformed-" + stamp);
        for (int n = 2; java.nio.file.Files.exists(aside); n++) {
            aside = blobs.root().resolve("index.json.malformed-" + stamp + "-" + n);
        }
        io.cargohold.fs.AtomicFile.write(aside, content);
        return aside;
    }

    /**
     * What fsck says about index.json: problems (malformed, a reference missing from it or listed with
     * another digest, foreign entries and whether they can be adopted); with {@code repair}, foreign
     * entries are adopted and index.json rewritten.
     */
    public LayoutCheck checkLayoutIndex(boolean repair) throws IOException {
        return blobs.withLayoutIndex((current, writer) -> {
            List<String> problems = new ArrayList<>();
            Map<String, Descriptor> listed = new java.util.HashMap<>();
            JsonNode root = null;
            if (current == null) {
                problems.add("index.json is missing");
            } else {
                try {
                    root = OciParser.Json.MAPPER.readTree(current);
                } catch (IOException e) {
                    root = null;
                }
                if (root == null || !root.isObject() || !root.path("manifests").isArray()) {
                    problems.add("index.json is not an OCI index");
                    root = null;
                }
            }
            Map<String, Descriptor> ours = new java.util.HashMap<>();
            for (ImageRef r : list()) {
                ours.put(r.reference().toString(), r.descriptor());
            }
            if (root != null) {
                for (JsonNode entry : root.path("manifests")) {
                    JsonNode nameNode = entry.path("annotations").path(MediaTypes.REF_NAME_ANNOTATION);
                    String name = nameNode.isTextual() ? nameNode.textValue() : null;
                    Descriptor d;
                    try {
                        d = OciParser.descriptorFromBytes(OciParser.Json.MAPPER.writeValueAsBytes(entry), "index.json entry");
                    } catch (CargoholdException e) {
                        problems.add("index.json entry " + (name == null ? "(unnamed)" : name) + " is malformed: " + e.getMessage());
                        continue;
                    }
                    if (name != null) {
                        listed.put(name, d);
                    }
                    Descriptor mine = name == null ? null : ours.get(name);
                    if (mine != null && mine.digest().equals(d.digest())) {
                        continue;
                    }
                    String why = adopt(name, d, true);
                    problems.add("index.json entry " + (name == null ? "(unnamed) " + d.digest() : name + " " + d.digest())
                            + (mine != null ? " disagrees with the reference (" + mine.digest() + ")" : " is not a reference")
                            + (why == null ? ": foreign, can be adopted" : ": foreign, kept as it is: " + why));
                }
            }
            for (var e : ours.entrySet()) {
                if (root != null && !listed.containsKey(e.getKey())) {
                    problems.add("reference " + e.getKey() + " is missing from index.json");
                }
            }
            problems.sort(null);
            LayoutSync sync = null;
            if (repair && !problems.isEmpty()) {
                sync = adoptForeign(current);
                writer.write(render(sync.kept(), java.util.Set.of()));
            }
            return new LayoutCheck(problems, sync);
        });
    }

    /** fsck's findings about index.json, and what a repair did (null without one). */
    public record LayoutCheck(List<String> problems, LayoutSync repaired) {
        public LayoutCheck {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Releases the leases of imports whose process is gone (killed: see {@link LeaseOwner}), except
     * {@code own}; returns the number of leases released.
     */
    int releaseAbandonedLeases(String own) throws IOException {
        java.util.Set<String> dead = new java.util.TreeSet<>();
        for (KvRecord r : blobs.listRecords(LEASES, "")) {
            String id = leaseId(r.key());
            if (!id.equals(own) && LeaseOwner.isDead(id)) {
                dead.add(id);
            }
        }
        for (String id : dead) {
            blobs.removeRecords(LEASES, id + "/");
        }
        return dead.size();
    }

    private static String leaseId(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }

    // ================================================================ import

    /**
     * Starts an atomic import: blobs put through the session are pinned by its lease, references
     * appear at its commit, and closing it without a commit removes what it added.
     */
    public ImportSession beginImport() {
        return new ImportSession(this);
    }

    Clock clock() {
        return clock;
    }

    /** Documents of this store, for the walker. */
    private DescriptorWalker.Loader storeLoader() {
        return new DescriptorWalker.Loader() {
            @Override
            public byte[] read(Descriptor d, String namedBy) throws IOException {
                try (InputStream in = blobs.open(d.digest(), Verify.NONE)) {
                    return in.readNBytes(OciParser.MAX_DOCUMENT + 1);
                }
            }

            @Override
            public boolean has(Descriptor d) throws IOException {
                return blobs.contains(d.digest());
            }
        };
    }

    // ================================================================ reading graphs from the store

    /** A config (small JSON, not a document the walker descends into), verified as read. */
    private byte[] readDocument(Descriptor d) throws IOException {
        if (d.size() > OciParser.MAX_DOCUMENT) {
            throw new CorruptException(d.mediaType() + " " + d.digest() + " claims " + d.size() + " bytes, more than a document may have");
        }
        byte[] raw;
        try (InputStream in = blobs.open(d.digest(), Verify.CONTENT)) {
            raw = in.readAllBytes();
        }
        if (raw.length != d.size()) {
            throw new CorruptException("size mismatch: " + d.digest() + " is " + raw.length + " bytes, its descriptor says " + d.size());
        }
        return raw;
    }

    /**
     * Every blob of the image under {@code top} that the store should hold, children first (layers and
     * config before their manifest, manifests before their index), each once; documents are read and
     * verified, other blobs are not read. A referrer's subject counts only when stored.
     */
    public List<Node> plan(Descriptor top) throws IOException {
        return DescriptorWalker.over(storeLoader(), DescriptorWalker.Subjects.IF_PRESENT).plan(top, "the reference");
    }

    /**
     * The bytes an image's content takes: every config and layer blob under {@code top} (through an
     * index, every platform's), each counted once; not the manifests and indexes. This is the size
     * {@code podman images} shows, not the top-level descriptor's (which is the manifest's own).
     *
     * <pre>{@code
     * ImageRef r = store.get(Reference.parse("app:1"));
     * long bytes = store.imageSize(r.descriptor());
     * }</pre>
     */
    public long imageSize(Descriptor top) throws IOException {
        long size = 0;
        for (Node n : plan(top)) {
            if (n.document() == null) {
                size += n.descriptor().size();
            }
        }
        return size;
    }

    /**
     * Refuses (CorruptException) an image under {@code top} in this store that has a config or layer
     * which is really a manifest or index ({@link Disguises}): what an import checks before it stores
     * its reference, whatever way each blob came in (copied, found present, resumed).
     */
    void refuseDisguised(Descriptor top, String namedBy) throws IOException {
        if (!DescriptorWalker.isDocument(top.mediaType())) {
            return; // a reference to a plain blob: nothing is hidden in it (check says it is not an image)
        }
        DescriptorWalker.over(storeLoader(), DescriptorWalker.Subjects.SKIP).walk(top, namedBy, new DescriptorWalker.Visitor() {
            @Override
            public void leave(Descriptor d, OciDocument doc, String by) throws IOException {
                if (doc instanceof OciDocument.Manifest m) {
                    refuse(d, Disguises.in(m, b -> blobs.open(b.digest(), Verify.NONE)));
                }
            }
        });
    }

    private static void refuse(Descriptor manifest, List<Disguises.Finding> found) throws CorruptException {
        if (!found.isEmpty()) {
            Disguises.Finding f = found.getFirst();
            throw new CorruptException("blob " + f.blob().digest() + " (the " + f.role() + " of manifest " + manifest.digest() + ") is "
                    + f.reason());
        }
    }

    // ================================================================ inspect and check

    public Inspection inspect(Reference ref) throws IOException {
        ImageRef image = get(ref);
        OciDocument doc = DescriptorWalker.over(storeLoader(), DescriptorWalker.Subjects.SKIP).load(image.descriptor(), "reference " + ref);
        if (doc instanceof OciDocument.Index index) {
            return new Inspection(image, doc, index.manifests(), null, null, null);
        }
        OciDocument.Manifest m = (OciDocument.Manifest) doc;
        byte[] config = null;
        Platform platform = null;
        String created = null;
        if (m.config().size() <= OciParser.MAX_DOCUMENT && blobs.contains(m.config().digest())) {
            config = readDocument(m.config());
            JsonNode c = OciParser.descriptorsAnywhere(config) == null ? null : OciParser.Json.MAPPER.readTree(config);
            if (c != null && c.path("architecture").isTextual() && c.path("os").isTextual()) {
                platform = new Platform(c.path("architecture").textValue(), c.path("os").textValue(), null, null,
                        c.path("variant").isTextual() ? c.path("variant").textValue() : null);
            }
            if (c != null && c.path("created").isTextual()) {
                created = c.path("created").textValue();
            }
        }
        return new Inspection(image, doc, List.of(), config, platform, created);
    }

    /** Reports every blob the reference needs that is missing, of the wrong size, or corrupt. */
    public CheckReport check(Reference ref) throws IOException {
        ImageRef image = get(ref);
        Checker c = new Checker();
        DescriptorWalker.over(storeLoader(), DescriptorWalker.Subjects.SKIP).walk(image.descriptor(), "reference " + ref, c);
        return new CheckReport(image, c.blobs, c.bytes, c.problems);
    }

    /** Check's visitor: every needed blob present with its size and content; documents verified by the walker. */
    private final class Checker implements DescriptorWalker.Visitor {
        final List<CheckReport.Problem> problems = new ArrayList<>();
        int blobs;
        long bytes;

        @Override
        public boolean enter(Descriptor d, String namedBy) throws IOException {
            this.blobs++;
            var info = OciStore.this.blobs.find(d.digest());
            if (info.isEmpty()) {
                problems.add(new CheckReport.Problem(d.digest(), d.mediaType(), namedBy, "missing"));
                return false;
            }
            if (info.get().size() != d.size()) {
                problems.add(new CheckReport.Problem(d.digest(), d.mediaType(), namedBy,
                        "stored size " + info.get().size() + " differs from the descriptor's " + d.size()));
                return false;
            }
            if (DescriptorWalker.isDocument(d.mediaType())) {
                return true;
            }
            try (InputStream in = OciStore.this.blobs.open(d.digest(), Verify.CONTENT)) {
                bytes += in.transferTo(OutputStream.nullOutputStream());
            } catch (CorruptException | NotFoundException e) {
                failed(d, namedBy, e);
            }
            return false;
        }

        @Override
        public void leave(Descriptor d, OciDocument doc, String namedBy) throws IOException {
            if (doc != null) {
                bytes += doc.raw().length;
            }
            if (doc instanceof OciDocument.Manifest m) {
                for (Disguises.Finding f : Disguises.in(m, b -> OciStore.this.blobs.open(b.digest(), Verify.NONE))) {
                    problems.add(new CheckReport.Problem(f.blob().digest(), f.blob().mediaType(), "manifest " + d.digest(), f.reason()));
                }
            }
        }

        @Override
        public void failed(Descriptor d, String namedBy, CargoholdException e) {
            boolean gone = e instanceof NotFoundException || e.getCause() instanceof java.nio.file.NoSuchFileException;
            problems.add(new CheckReport.Problem(d.digest(), d.mediaType(), namedBy, gone ? "missing" : "corrupt: " + e.getMessage()));
        }
    }

    // ================================================================ garbage collection

    /**
     * Marks from every reference and every other record that references a blob (unexpired leases
     * included), following manifests, indexes and any JSON document's descriptors whatever its media
     * type; sweeps the rest. Documents that cannot be parsed are kept and reported.
     */
    public GcReport gc(boolean dryRun) throws IOException {
        // Foreign references written into the root are adopted (and so become roots) before the sweep;
        // foreign entries kept as they are keep what they name too.
        LayoutSync sync = dryRun ? blobs.withLayoutIndex((current, writer) -> adoptForeignDryRun(current)) : syncLayoutIndex();
        java.util.Set<io.cargohold.digest.Digest> foreign = new java.util.HashSet<>();
        for (Kept k : sync.kept()) {
            JsonNode digest = k.entry().path("digest");
            if (digest.isTextual()) {
                try {
                    foreign.add(io.cargohold.digest.Digest.parse(digest.textValue()));
                } catch (CargoholdException malformed) {
                    // nothing it names can be kept
                }
            }
        }
        Instant now = clock.instant();
        GcOptions options = new GcOptions(dryRun, r -> LEASES.equals(r.namespace())
                && (expired(r.value(), now) || LeaseOwner.isDead(leaseId(r.key()))), foreign);
        return blobs.collectGarbage(options, scanner());
    }

    private static boolean expired(String expiry, Instant now) {
        try {
            return Instant.parse(expiry).isBefore(now);
        } catch (DateTimeParseException e) {
            return true;
        }
    }

    /** How garbage collection finds a blob's children. */
    public static ReferenceScanner scanner() {
        return (BlobInfo blob, ReferenceScanner.ContentOpener content) -> {
            String mt = blob.mediaType();
            if (MediaTypes.isLayer(mt)) {
                return References.NONE;
            }
            boolean document = DescriptorWalker.isDocument(mt);
            if (blob.size() > OciParser.MAX_DOCUMENT) {
                return document ? References.unreadable("larger than " + OciParser.MAX_DOCUMENT + " bytes") : References.NONE;
            }
            byte[] raw;
            try (InputStream in = content.open()) {
                raw = in.readAllBytes();
            } catch (CargoholdException e) {
                return References.unreadable(e.getMessage());
            }
            try {
                return References.of(DescriptorWalker.childDigests(mt, raw));
            } catch (CorruptException e) {
                return References.unreadable(e.getMessage());
            }
        };
    }

    @Override
    public void close() throws IOException {
        blobs.close();
    }
}
