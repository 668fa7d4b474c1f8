package io.cargohold.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.content.KvRecord;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.gc.GcOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.content.gc.ReferenceScanner;
import io.cargohold.content.gc.References;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.oci.graph.DescriptorWalker.Node;
import io.cargohold.oci.layout.OciLayoutDir;
import io.cargohold.oci.refs.Reference;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * OCI images on a {@link BlobStore}: references (key/value records in namespace {@value #REFS} whose
 * value is the descriptor's JSON and whose blob is the manifest or index), image-layout import and
 * export, docker-archive import, completeness checks and garbage collection.
 *
 * <p><b>Leases.</b> An import pins every blob it writes, in the same transaction that indexes the
 * blob, with a record {@code leases/<lease id>/<digest>} whose value is the lease's expiry. Garbage
 * collection treats every blob-referencing record as a root, so a blob an import has written is
 * never swept before the import stores its reference (then the reference holds it) or gives up (then
 * the import removes its lease and the blobs it added). A lease left by a killed import expires
 * after {@link #LEASE_TTL} and the next {@code gc} drops it.
 *
 * <p>The store root's {@code index.json} lists every reference (annotation
 * {@code org.opencontainers.image.ref.name} = the reference), rewritten atomically on every change,
 * so {@code skopeo}/{@code umoci} read the store as a layout.
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

    public List<ImageRef> list() throws IOException {
        List<ImageRef> out = new ArrayList<>();
        for (KvRecord r : blobs.listRecords(REFS, "")) {
            out.add(toImageRef(r));
        }
        return out;
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
        if (!blobs.removeRecord(REFS, ref.toString())) {
            throw new NotFoundException("reference " + ref + " not found");
        }
        syncLayoutIndex();
    }

    void storeReference(Reference ref, Descriptor d) throws IOException {
        Map<String, String> annotations = new TreeMap<>(d.annotations());
        annotations.remove(MediaTypes.REF_NAME_ANNOTATION);
        Descriptor clean = d.withAnnotations(annotations);
        blobs.putRecord(REFS, ref.toString(), new String(OciParser.toBytes(OciParser.toJson(clean)),
                java.nio.charset.StandardCharsets.UTF_8), d.digest());
    }

    /** Rewrites the store root's index.json from the current references. */
    public void syncLayoutIndex() throws IOException {
        blobs.replaceLayoutIndex(() -> {
            List<Object> manifests = new ArrayList<>();
            for (ImageRef r : list()) {
                Map<String, String> a = new TreeMap<>(r.descriptor().annotations());
                a.put(MediaTypes.REF_NAME_ANNOTATION, r.reference().toString());
                manifests.add(OciParser.toJson(r.descriptor().withAnnotations(a)));
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2);
            index.put("mediaType", MediaTypes.OCI_INDEX);
            index.put("manifests", manifests);
            return OciParser.toBytes(index);
        });
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

    /** Documents of an external layout, for the walker. */
    private static DescriptorWalker.Loader layoutLoader(OciLayoutDir layout) {
        return new DescriptorWalker.Loader() {
            @Override
            public byte[] read(Descriptor d, String namedBy) throws IOException {
                try (InputStream in = layout.openBlob(d, namedBy)) {
                    return in.readNBytes(OciParser.MAX_DOCUMENT + 1);
                }
            }

            @Override
            public boolean has(Descriptor d) throws IOException {
                return layout.hasBlob(d);
            }

            @Override
            public String where() {
                return " in " + layout.dir();
            }
        };
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

    /**
     * Imports the reference named {@code sref} (annotation {@code org.opencontainers.image.ref.name})
     * from the layout at {@code dir} as {@code dref}, copying every blob of the image (all platforms of
     * an index) and verifying each one's digest and size. Atomic: on failure no reference is stored
     * and the blobs this import added are removed again. Importing again is a no-op.
     */
    public ImportResult importLayout(Path dir, String sref, Reference dref, TransferListener listener) throws IOException {
        OciLayoutDir layout = OciLayoutDir.open(dir);
        List<Descriptor> found = layout.find(sref);
        if (found.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (Descriptor d : layout.manifests()) {
                String n = d.annotations().get(MediaTypes.REF_NAME_ANNOTATION);
                if (n != null) {
                    names.add(n);
                }
            }
            throw new NotFoundException("layout " + dir + " has no reference \"" + sref + "\""
                    + (names.isEmpty() ? " (it names none)" : " (it has: " + String.join(", ", names) + ")"));
        }
        if (found.size() > 1) {
            throw new InvalidArgumentException("layout " + dir + " names " + found.size() + " images \"" + sref + "\"; import is ambiguous");
        }
        ImportResult r = importFromLayout(layout, found.getFirst(), dref, listener);
        syncLayoutIndex();
        return r;
    }

    /**
     * Imports every named reference of a layout. A name that is not a full reference (skopeo writes
     * just the tag, e.g. {@code latest}) is stored as {@code repository:name}; without a repository
     * such a name is an error. Each reference is imported atomically on its own.
     */
    public List<ImportResult> importLayoutAll(Path dir, String repository, TransferListener listener) throws IOException {
        OciLayoutDir layout = OciLayoutDir.open(dir);
        Map<Descriptor, Reference> todo = new LinkedHashMap<>();
        for (Descriptor d : layout.manifests()) {
            String name = d.annotations().get(MediaTypes.REF_NAME_ANNOTATION);
            if (name != null) {
                todo.put(d, toReference(name, repository, dir));
            }
        }
        if (todo.isEmpty()) {
            throw new NotFoundException("layout " + dir + " names no reference (no " + MediaTypes.REF_NAME_ANNOTATION + " annotation)");
        }
        List<ImportResult> out = new ArrayList<>();
        try {
            for (var e : todo.entrySet()) {
                out.add(importFromLayout(layout, e.getKey(), e.getValue(), listener));
            }
        } finally {
            if (!out.isEmpty()) {
                syncLayoutIndex(); // the references imported before a failure stay
            }
        }
        return out;
    }

    private static Reference toReference(String name, String repository, Path dir) throws InvalidArgumentException {
        try {
            return Reference.parse(name);
        } catch (InvalidArgumentException notFull) {
            if (repository == null) {
                throw new InvalidArgumentException("layout " + dir + " names \"" + name + "\", which is not NAME:TAG; give a repository"
                        + " to store it as REPOSITORY:" + name);
            }
            return Reference.parse(repository + ":" + name);
        }
    }

    private ImportResult importFromLayout(OciLayoutDir layout, Descriptor top, Reference dref, TransferListener listener)
            throws IOException {
        List<Node> plan = DescriptorWalker.over(layoutLoader(layout), DescriptorWalker.Subjects.IF_PRESENT).plan(top, "index.json");
        listener.start(plan.stream().mapToLong(n -> n.descriptor().size()).sum(), plan.size());
        try (ImportSession imp = beginImport()) {
            long bytes = 0;
            for (Node n : plan) {
                if (n.raw() != null) {
                    imp.put(new Counting(new ByteArrayInputStream(n.raw()), listener), n.descriptor());
                } else {
                    try (InputStream in = layout.openBlob(n.descriptor(), "the image")) {
                        imp.put(new Counting(in, listener), n.descriptor());
                    }
                }
                bytes += n.descriptor().size();
            }
            imp.commit(dref, top);
            return new ImportResult(new ImageRef(dref, top), plan.size(), bytes, imp.inserted().size());
        } finally {
            listener.finish();
        }
    }

    /** Counts bytes for a listener. */
    private static final class Counting extends FilterInputStream {
        private final TransferListener listener;

        Counting(InputStream in, TransferListener listener) {
            super(in);
            this.listener = listener;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                listener.advance(n);
            }
            return n;
        }
    }

    // ================================================================ docker-archive import

    /**
     * Imports a docker-archive tar ({@code docker save}, {@code skopeo copy … docker-archive:}): every
     * image it lists, under each of its RepoTags, or, when {@code dref} is given, its single image as
     * {@code dref}. The image is stored with an OCI manifest whose config and layers are the archive's
     * files byte for byte (so the layers' digests equal the config's diff_ids).
     */
    public List<ImportResult> importDockerArchive(Path tar, Reference dref, TransferListener listener) throws IOException {
        List<ImportResult> out = new ArrayList<>();
        try (ImportSession imp = beginImport()) {
            DockerArchive archive = DockerArchive.read(tar, (name, in, size) -> imp.put(new Counting(in, listener), null, size, null));
            if (archive.images().isEmpty()) {
                throw new CorruptException("docker archive " + tar + " lists no image in manifest.json");
            }
            if (dref != null && archive.images().size() > 1) {
                throw new InvalidArgumentException("docker archive " + tar + " holds " + archive.images().size()
                        + " images; import it without a destination reference to keep their own tags");
            }
            record Named(ImageRef ref, DockerArchive.Image image) {
            }
            List<Named> named = new ArrayList<>();
            for (DockerArchive.Image image : archive.images()) {
                byte[] manifest = image.ociManifest();
                Descriptor md = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length);
                imp.put(new ByteArrayInputStream(manifest), md);
                List<Reference> names = new ArrayList<>();
                if (dref != null) {
                    names.add(dref);
                } else {
                    for (String t : image.repoTags()) {
                        names.add(Reference.parse(t));
                    }
                }
                if (names.isEmpty()) {
                    throw new InvalidArgumentException("docker archive " + tar + " has an image without RepoTags; give a destination reference");
                }
                for (Reference r : names) {
                    named.add(new Named(new ImageRef(r, md), image));
                }
            }
            for (Named n : named) {
                imp.commit(n.ref().reference(), n.ref().descriptor());
                Set<Digest> all = new HashSet<>(n.image().blobs());
                all.add(n.ref().descriptor().digest());
                long bytes = 0;
                for (Digest d : all) {
                    bytes += blobs.info(d).size();
                }
                int fresh = (int) imp.inserted().stream().filter(all::contains).count();
                out.add(new ImportResult(n.ref(), all.size(), bytes, fresh));
            }
            Set<Digest> used = new HashSet<>();
            for (Named n : named) {
                used.addAll(n.image().blobs());
                used.add(n.ref().descriptor().digest());
            }
            // Files of the archive that no image uses (manifest.json, repositories, legacy layer
            // metadata) were stored on the way through; they go again.
            List<Digest> extra = imp.inserted().stream().filter(d -> !used.contains(d)).toList();
            imp.close();
            for (Digest d : extra) {
                try {
                    blobs.delete(d);
                } catch (NotFoundException | FailedPreconditionException keep) {
                    // used by something else meanwhile
                }
            }
        } finally {
            if (!out.isEmpty()) {
                syncLayoutIndex();
            }
            listener.finish();
        }
        return out;
    }

    // ================================================================ reading graphs from the store

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

    // ================================================================ export

    /**
     * Writes the image {@code sref} into the layout at {@code dir} (created when absent, added to when
     * present) under the name {@code dref}: every blob of the image (all platforms of an index),
     * verified as read, written by temp file and rename; index.json updated atomically last.
     */
    public ExportResult export(Reference sref, Path dir, String dref, TransferListener listener) throws IOException {
        ImageRef image = get(sref);
        List<Node> plan = DescriptorWalker.over(storeLoader(), DescriptorWalker.Subjects.IF_PRESENT).plan(image.descriptor(),
                "reference " + sref);
        OciLayoutDir layout = OciLayoutDir.create(dir);
        listener.start(plan.stream().mapToLong(n -> n.descriptor().size()).sum(), plan.size());
        int written = 0;
        long bytes = 0;
        try {
            for (Node n : plan) {
                Descriptor d = n.descriptor();
                if (layout.hasBlob(d)) {
                    listener.advance(d.size());
                    continue;
                }
                try (InputStream in = n.raw() != null ? new ByteArrayInputStream(n.raw()) : blobs.open(d.digest(), Verify.CONTENT)) {
                    layout.writeBlob(d, new Counting(in, listener));
                }
                written++;
                bytes += d.size();
            }
            String name = dref == null ? sref.toString() : dref;
            layout.putReference(name, image.descriptor());
            return new ExportResult(dir, name, image.descriptor(), plan.size(), written, bytes);
        } finally {
            listener.finish();
        }
    }

    // ================================================================ inspect and check

    public Inspection inspect(Reference ref) throws IOException {
        ImageRef image = get(ref);
        byte[] raw = readDocument(image.descriptor());
        OciDocument doc = OciParser.parse(raw, image.descriptor().mediaType());
        if (doc instanceof OciDocument.Index index) {
            return new Inspection(image, doc, index.manifests(), null, null, null);
        }
        OciDocument.Manifest m = (OciDocument.Manifest) doc;
        byte[] config = null;
        Platform platform = null;
        String created = null;
        if (m.config().size() <= OciParser.MAX_DOCUMENT && blobs.contains(m.config().digest())) {
            config = readDocument(m.config());
            JsonNode c = OciParser.descriptorsAnywhere(config) == null ? null : OciParser.JSON.readTree(config);
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
        public void leave(Descriptor d, OciDocument doc, String namedBy) {
            if (doc != null) {
                bytes += doc.raw().length;
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
        Instant now = clock.instant();
        GcOptions options = new GcOptions(dryRun, r -> LEASES.equals(r.namespace()) && expired(r.value(), now));
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
