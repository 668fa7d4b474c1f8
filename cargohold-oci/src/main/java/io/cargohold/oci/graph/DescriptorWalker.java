package io.cargohold.oci.graph;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one walk over a descriptor graph (index → manifests → config, layers, subject), for copy
 * plans, completeness checks and garbage collection alike. Documents (manifests and indexes) are
 * loaded through a {@link Loader}, bounded ({@link OciParser#MAX_DOCUMENT}), checked against their
 * descriptor (size, then digest) and parsed strictly; every other blob is a leaf and never read
 * here. Each digest is visited once per walk. Hostile graphs are errors: a document nested deeper
 * than {@link #MAX_DEPTH}, naming one of its own ancestors, or a graph of more than
 * {@link #MAX_BLOBS} blobs. The recursion is bounded by {@link #MAX_DEPTH} (a few frames per level),
 * so no input can exhaust the stack; a 10,000-deep index is refused at level 17.
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

    private final Loader loader;
    private final Subjects subjects;

    private DescriptorWalker(Loader loader, Subjects subjects) {
        this.loader = loader;
        this.subjects = subjects;
    }

    public static DescriptorWalker over(Loader loader, Subjects subjects) {
        return new DescriptorWalker(loader, subjects);
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
        walk(top, namedBy, visitor, new HashSet<>(), new LinkedHashSet<>(), 0);
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

    private void walk(Descriptor d, String namedBy, Visitor v, Set<Digest> seen, Set<Digest> path, int depth) throws IOException {
        if (path.contains(d.digest())) {
            throw new CorruptException(what(d) + " (named by " + namedBy + ") names itself through its own children: a cycle");
        }
        if (!seen.add(d.digest())) {
            return;
        }
        if (seen.size() > MAX_BLOBS) {
            throw new CorruptException(what(d) + " (named by " + namedBy + "): the graph names more than " + MAX_BLOBS
                    + " blobs; refusing to walk it");
        }
        if (!v.enter(d, namedBy)) {
            return;
        }
        if (!isDocument(d.mediaType())) {
            v.leave(d, null, namedBy);
            return;
        }
        if (depth > MAX_DEPTH) {
            throw new CorruptException(what(d) + " (named by " + namedBy + ") is nested more than " + MAX_DEPTH
                    + " documents deep");
        }
        OciDocument doc;
        try {
            doc = load(d, namedBy);
        } catch (CargoholdException e) {
            v.failed(d, namedBy, e);
            return;
        }
        String me = what(d);
        path.add(d.digest());
        Descriptor subject = subjectOf(doc);
        for (Descriptor child : doc.children()) {
            if (child == subject && (subjects == Subjects.SKIP || subjects == Subjects.IF_PRESENT && !loader.has(child))) {
                continue;
            }
            if (doc instanceof OciDocument.Index && child != subject && !isDocument(child.mediaType())) {
                if (seen.add(child.digest())) {
                    v.failed(child, me, notADocument(child, me));
                }
                continue;
            }
            walk(child, me, v, seen, path, depth + 1);
        }
        path.remove(d.digest());
        v.leave(d, doc, namedBy);
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
        return switch (doc) {
            case OciDocument.Manifest m -> m.subject();
            case OciDocument.Index i -> i.subject();
        };
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
