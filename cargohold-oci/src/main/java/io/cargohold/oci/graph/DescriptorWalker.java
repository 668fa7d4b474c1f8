package io.cargohold.oci.graph;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one walk over a descriptor graph (index → manifests → config, layers, subject), for copy
 * plans, completeness checks and garbage collection alike. Documents (manifests and indexes) are
 * loaded through a {@link Loader}, bounded ({@link OciParser#MAX_DOCUMENT}), checked against their
 * descriptor (size, then digest) and parsed strictly; every other blob is a leaf and never read
 * here. Each digest is visited once per walk, so one labelled a manifest or index in one place and
 * a plain blob or another document type in another is an error (through {@link Visitor#failed}).
 * Hostile graphs are errors: a document nested deeper
 * than the depth limit ({@link #MAX_DEPTH} unless {@link #withLimits}), naming one of its own
 * ancestors, or a graph of more than the blob limit ({@link #MAX_BLOBS}). The walk is iterative (an
 * explicit stack, see {@code Walk}): its Java stack depth does not grow with the graph's, so no input
 * exhausts it, whatever the limits; a 10,000-deep index is refused at level 17 by default, and walked
 * with a depth limit of 100,000 on a thread with a 256 KiB stack (DescriptorWalkerTest).
 *
 * <p>A {@link Visitor} sees each descriptor before it is loaded ({@link Visitor#enter}, parents
 * first; returning false skips it and what it names) and after its children ({@link Visitor#leave},
 * children first). A document that cannot be loaded or verified goes to {@link Visitor#failed},
 * which rethrows by default; a visitor that records it instead lets the walk go on without it.
 */
public final class DescriptorWalker {
    /** Deepest nesting of documents accepted below the top (an index of indexes of indexes …). */
    public static final int MAX_DEPTH = 16;
    /**
     * Most blobs one walk visits: a hostile graph of wide indexes (each up to {@link OciParser#MAX_DOCUMENT}
     * bytes of descriptors) could otherwise name millions; real images have a few hundred.
     */
    public static final int MAX_BLOBS = 250_000;

    /** What to do with the {@code subject} of a referrer. */
    public enum Subjects {
        /** Walk it like any child. */
        FOLLOW,
        /** Walk it only when the loader has it: a referrer's subject need not travel with it. */
        IF_PRESENT,
        /** Never walk it (a referrer is complete without its subject). */
        SKIP
    }

    /** Where documents come from (a layout, the store, a source). */
    public interface Loader {
        /**
         * The bytes of the document {@code d} (at most {@link OciParser#MAX_DOCUMENT} + 1 of them are
         * needed); the walker checks size and digest.
         *
         * @throws io.cargohold.errors.NotFoundException or a CorruptException naming what is missing
         */
        byte[] read(Descriptor d, String namedBy) throws IOException;

        /** Whether the blob is there at all (for {@link Subjects#IF_PRESENT}). */
        boolean has(Descriptor d) throws IOException;

        /** Where the bytes come from, for messages (" in /some/layout"); empty by default. */
        default String where() {
            return "";
        }
    }

    /** What a walk does at each descriptor. */
    public interface Visitor {
        /** Before {@code d} is loaded; false skips it and everything only it names. */
        default boolean enter(Descriptor d, String namedBy) throws IOException {
            return true;
        }

        /** After {@code d} and everything it names; {@code doc} is its verified document, or null for a leaf blob. */
        default void leave(Descriptor d, OciDocument doc, String namedBy) throws IOException {
        }

        /** {@code d} could not be loaded or is not what its descriptor says; return to go on without it. */
        default void failed(Descriptor d, String namedBy, CargoholdException e) throws IOException {
            throw e;
        }
    }

    /** A blob in a walk's order, with its verified document when it is a manifest or index. */
    public record Node(Descriptor descriptor, OciDocument document, String namedBy) {
        /** The document's exact bytes, or null for a leaf blob. */
        public byte[] raw() {
            return document == null ? null : document.raw();
        }
    }

    /**
     * How deep and how wide one walk may go: {@code maxDepth} documents nested below the top,
     * {@code maxBlobs} distinct blobs in all. Going past either is a {@link CorruptException} (exit 5)
     * naming the limit and what the walk started from.
     */
    public record Limits(int maxDepth, int maxBlobs) {
        /** {@link #MAX_DEPTH} and {@link #MAX_BLOBS}. */
        public static final Limits DEFAULT = new Limits(MAX_DEPTH, MAX_BLOBS);

        public Limits {
            if (maxDepth < 0 || maxBlobs < 1) {
                throw new IllegalArgumentException("walker limits: depth " + maxDepth + " (0 or more), blobs " + maxBlobs + " (1 or more)");
            }
        }
    }

    private final Loader loader;
    private final Subjects subjects;
    private final Limits limits;

    private DescriptorWalker(Loader loader, Subjects subjects, Limits limits) {
        this.loader = loader;
        this.subjects = subjects;
        this.limits = limits;
    }

    public static DescriptorWalker over(Loader loader, Subjects subjects) {
        return new DescriptorWalker(loader, subjects, Limits.DEFAULT);
    }

    /** This walker with other limits (tests; callers that trust their input more or less). */
    public DescriptorWalker withLimits(Limits l) {
        return new DescriptorWalker(loader, subjects, java.util.Objects.requireNonNull(l, "limits"));
    }

    public Limits limits() {
        return limits;
    }

    /** True for the media types whose blobs the walker loads and descends into. */
    public static boolean isDocument(String mediaType) {
        return MediaTypes.isIndex(mediaType) || MediaTypes.isManifest(mediaType);
    }

    /**
     * Every blob of the graph under {@code top}, children first (layers and config before their
     * manifest, manifests before their index, the top last), each once. Fails on the first problem.
     */
    public List<Node> plan(Descriptor top, String namedBy) throws IOException {
        List<Node> out = new ArrayList<>();
        walk(top, namedBy, new Visitor() {
            @Override
            public void leave(Descriptor d, OciDocument doc, String by) {
                out.add(new Node(d, doc, by));
            }
        });
        return out;
    }

    /** Walks the graph under {@code top}. */
    public void walk(Descriptor top, String namedBy, Visitor visitor) throws IOException {
        if (!isDocument(top.mediaType())) {
            visitor.failed(top, namedBy, notADocument(top, namedBy));
            return;
        }
        new Walk(namedBy, visitor).run(top);
    }

    /**
     * A descriptor that must name a manifest or an index (a reference, an index's {@code manifests}
     * entry) but is labelled otherwise: its document's config and layers would never be walked, so an
     * image would look complete with none of them. Refused as corrupt.
     */
    private static CorruptException notADocument(Descriptor d, String namedBy) {
        return new CorruptException("blob " + d.digest() + " (named by " + namedBy + ") is labelled " + d.mediaType()
                + ", but " + namedBy + " must name an image manifest or index; the media type disagrees with what it names");
    }

    /** A document being walked: its verified contents and how far through its children the walk is. */
    private static final class Frame {
        final Descriptor descriptor;
        final String namedBy;
        final OciDocument doc;
        final String me;
        final Descriptor subject;
        final List<Descriptor> children;
        int next;

        Frame(Descriptor descriptor, String namedBy, OciDocument doc) {
            this.descriptor = descriptor;
            this.namedBy = namedBy;
            this.doc = doc;
            this.me = what(descriptor);
            this.subject = subjectOf(doc);
            this.children = doc.children();
        }
    }

    /**
     * One walk: depth first with an explicit stack of {@link Frame}s, never recursion, so the Java
     * stack stays a few frames deep whatever the graph. The heap it needs is bounded by the limits: the
     * stack holds at most {@code maxDepth + 1} documents (each at most {@link OciParser#MAX_DOCUMENT}
     * bytes) and the seen set at most {@code maxBlobs} digests.
     */
    private final class Walk {
        private final String top;
        private final Visitor v;
        /** Every digest met: its media type when it was labelled as a document (manifest or index), else "". */
        private final java.util.Map<Digest, String> seen = new java.util.HashMap<>();
        /** The digests of the documents on the stack, for cycles. */
        private final Set<Digest> path = new HashSet<>();
        private final Deque<Frame> stack = new ArrayDeque<>();

        Walk(String top, Visitor v) {
            this.top = top;
            this.v = v;
        }

        void run(Descriptor root) throws IOException {
            open(root, top);
            while (!stack.isEmpty()) {
                Frame f = stack.peek();
                if (f.next == f.children.size()) {
                    stack.pop();
                    path.remove(f.descriptor.digest());
                    v.leave(f.descriptor, f.doc, f.namedBy);
                    continue;
                }
                Descriptor child = f.children.get(f.next++);
                if (child == f.subject && (subjects == Subjects.SKIP || subjects == Subjects.IF_PRESENT && !loader.has(child))) {
                    continue;
                }
                if (f.doc instanceof OciDocument.Index && child != f.subject && !isDocument(child.mediaType())) {
                    if (seen.putIfAbsent(child.digest(), "") == null) {
                        v.failed(child, f.me, notADocument(child, f.me));
                    }
                    continue;
                }
                open(child, f.me);
            }
        }

        /**
         * Enters {@code d} at depth {@code stack.size()}: a leaf is entered and left at once, a document
         * is loaded, verified and pushed (its children come next).
         */
        private void open(Descriptor d, String namedBy) throws IOException {
            if (path.contains(d.digest())) {
                throw new CorruptException(what(d) + " (named by " + namedBy + ") names itself through its own children: a cycle");
            }
            String label = isDocument(d.mediaType()) ? d.mediaType() : "";
            String before = seen.putIfAbsent(d.digest(), label);
            if (before != null) {
                if (!before.equals(label)) {
                    // one blob, a manifest or index in one place and a plain blob (or another kind of document) in
                    // another: walking it once as the first label says would skip (or invent) the children the other
                    // implies, and only one label can agree with the document's own mediaType. Plain blobs may
                    // carry different labels (a layer named as OCI and as Docker gzip is the same bytes).
                    v.failed(d, namedBy, new CorruptException("blob " + d.digest() + " (named by " + namedBy + ") is labelled "
                            + d.mediaType() + ", but elsewhere in the graph it is named as " + (before.isEmpty() ? "a blob that is not a manifest or index"
                            : before) + "; the media types disagree about what it is"));
                }
                return;
            }
            if (seen.size() > limits.maxBlobs()) {
                throw new CorruptException(what(d) + " (named by " + namedBy + "): the graph of " + top + " names more than "
                        + limits.maxBlobs() + " blobs (the walker's limit on blobs per walk); refusing to walk it");
            }
            if (!v.enter(d, namedBy)) {
                return;
            }
            if (!isDocument(d.mediaType())) {
                v.leave(d, null, namedBy);
                return;
            }
            int depth = stack.size();
            if (depth > limits.maxDepth()) {
                throw new CorruptException(what(d) + " (named by " + namedBy + ") is nested more than " + limits.maxDepth()
                        + " documents deep below " + top + " (the walker's depth limit)");
            }
            OciDocument doc;
            try {
                doc = load(d, namedBy);
            } catch (CargoholdException e) {
                v.failed(d, namedBy, e);
                return;
            }
            path.add(d.digest());
            stack.push(new Frame(d, namedBy, doc));
        }
    }

    /** Loads one document and checks it against its descriptor: size, digest, then a strict parse. */
    public OciDocument load(Descriptor d, String namedBy) throws IOException {
        if (d.size() > OciParser.MAX_DOCUMENT) {
            throw new CorruptException(d.mediaType() + " " + d.digest() + " (named by " + namedBy + ") claims " + d.size()
                    + " bytes, more than a document may have");
        }
        byte[] raw = loader.read(d, namedBy);
        if (raw.length != d.size()) {
            throw new CorruptException("size mismatch: " + d.digest() + " (named by " + namedBy + ") is " + raw.length
                    + " bytes" + loader.where() + ", its descriptor says " + d.size());
        }
        Digest actual = Digest.of(d.digest().algorithm(), raw, 0, raw.length);
        if (!actual.equals(d.digest())) {
            throw new CorruptException("digest mismatch: " + d.digest() + " (named by " + namedBy + ")" + loader.where()
                    + " hashes to " + actual);
        }
        return OciParser.parse(raw, d.mediaType());
    }

    /** The subject of a manifest or index, or null. */
    public static Descriptor subjectOf(OciDocument doc) {
        // instanceof, not a pattern switch: its invokedynamic bootstrap generates classes at run time, which the
        // AOT cache cannot keep (~10 classes and lambda forms at every start that walks a graph, e.g. list)
        return doc instanceof OciDocument.Manifest m ? m.subject() : ((OciDocument.Index) doc).subject();
    }

    /**
     * The digests a blob names, for garbage collection's mark phase (one level, never loading
     * anything): a manifest's or index's children (its subject too); for any other JSON object every
     * descriptor-shaped object in it, whatever its media type; nothing for layers and non-JSON blobs.
     *
     * @throws CorruptException when a manifest or index cannot be parsed
     */
    public static Set<Digest> childDigests(String mediaType, byte[] raw) throws CorruptException {
        if (MediaTypes.isLayer(mediaType)) {
            return Set.of();
        }
        if (isDocument(mediaType)) {
            Set<Digest> children = new HashSet<>();
            for (Descriptor d : OciParser.parse(raw, mediaType).children()) {
                children.add(d.digest());
            }
            return children;
        }
        if (raw.length == 0 || raw[0] != '{') {
            return Set.of();
        }
        Set<Digest> any = OciParser.descriptorsAnywhere(raw);
        return any == null ? Set.of() : any;
    }

    private static String what(Descriptor d) {
        return (MediaTypes.isIndex(d.mediaType()) ? "index " : MediaTypes.isManifest(d.mediaType()) ? "manifest " : "blob ") + d.digest();
    }
}
