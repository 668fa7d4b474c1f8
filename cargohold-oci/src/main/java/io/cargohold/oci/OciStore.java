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

    /** Removes a reference record by its key, also one that is malformed (see {@link #listing()}). */
    public void remove(String key) throws IOException {
        if (!blobs.removeRecord(REFS, key)) {
            throw new NotFoundException("reference " + key + " not found");
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
