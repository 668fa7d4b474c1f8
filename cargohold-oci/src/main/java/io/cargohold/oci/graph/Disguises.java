package io.cargohold.oci.graph;

import io.cargohold.errors.CorruptException;
import io.cargohold.errors.CargoholdException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Documents in disguise: a manifest's config or layer whose bytes are really an image manifest or
 * index, labelled as something else (a media-type lie). The walker descends only into what is
 * labelled a manifest or index, so a manifest hidden as a config or layer would have its own config
 * and layers never imported or checked, and the image would look complete. The rule, cheap enough to
 * apply to every image (import, copy and {@code check}):
 * <ul>
 *   <li>a <b>config</b> (any media type that is not a manifest or index type; configs are small) of
 *       at most {@link OciParser#MAX_DOCUMENT} bytes is read whole; it is refused when it is a JSON
 *       object that {@link OciParser#documentKind} calls a manifest or index: its own
 *       {@code mediaType} is one, or it has an index's shape ({@code manifests} holding a descriptor) or
 *       a manifest's ({@code config} descriptor and {@code layers} array). Image configs, the empty
 *       descriptor's {@code {}} and artifact configs do not have that shape.
 *   <li>a <b>layer</b> labelled with a layer type (tar, tar+gzip, tar+zstd, Docker's rootfs types) of
 *       at most {@link OciParser#MAX_DOCUMENT} bytes is looked at only when its first byte after JSON
 *       whitespace is <code>{</code>, which no gzip or zstd stream and no real tar starts with (a tar whose
 *       first name starts with <code>{</code> is not JSON and passes); it is then read whole and
 *       refused by the same test. Larger layers and layers of other (artifact) types are not read.
 * </ul>
 */
public final class Disguises {
    private Disguises() {
    }

    /** Where a manifest's children sit. */
    public enum Role {
        CONFIG("config"), LAYER("layer");

        private final String word;

        Role(String word) {
            this.word = word;
        }

        @Override
        public String toString() {
            return word;
        }
    }

    /** A config or layer that is a document in disguise, and why. */
    public record Finding(Descriptor blob, Role role, String reason) {
    }

    /** Opens a blob's bytes (from its first byte); a missing blob is a NotFoundException. */
    @FunctionalInterface
    public interface Opener {
        InputStream open(Descriptor d) throws IOException;
    }

    /** Whether the rule looks at {@code d} in {@code role} at all (its label and size). */
    public static boolean worthALook(Descriptor d, Role role) {
        if (d.size() < 2 || d.size() > OciParser.MAX_DOCUMENT) {
            return false;
        }
        return role == Role.CONFIG ? !DescriptorWalker.isDocument(d.mediaType()) : MediaTypes.isLayer(d.mediaType());
    }

    /** Null, or why {@code raw} (the whole blob {@code d}, a {@code role}) is a document in disguise. */
    public static String reason(Descriptor d, Role role, byte[] raw) {
        if (!worthALook(d, role) || !startsLikeJson(raw, raw.length)) {
            return null;
        }
        String kind = OciParser.documentKind(raw);
        return kind == null ? null : "an " + kind + " labelled as a " + role + " (" + d.mediaType()
                + "): the media type disagrees with the document it points to";
    }

    /**
     * The configs and layers of {@code m} that are documents in disguise, read through {@code blobs}
     * (a layer's first bytes only, unless they start a JSON object); a blob {@code blobs} lacks or
     * cannot open is skipped (what is missing or damaged is reported where blobs are checked).
     */
    public static List<Finding> in(OciDocument.Manifest m, Opener blobs) throws IOException {
        List<Finding> out = new ArrayList<>();
        look(m.config(), Role.CONFIG, blobs, out);
        for (Descriptor l : m.layers()) {
            look(l, Role.LAYER, blobs, out);
        }
        return out;
    }

    private static void look(Descriptor d, Role role, Opener blobs, List<Finding> out) throws IOException {
        if (!worthALook(d, role)) {
            return;
        }
        byte[] raw;
        try (InputStream in = blobs.open(d)) {
            if (role == Role.LAYER) {
                byte[] head = new byte[64];
                int n = in.readNBytes(head, 0, head.length);
                if (!startsLikeJson(head, n)) {
                    return;
                }
                byte[] rest = in.readNBytes(OciParser.MAX_DOCUMENT + 1 - n);
                raw = new byte[n + rest.length];
                System.arraycopy(head, 0, raw, 0, n);
                System.arraycopy(rest, 0, raw, n, rest.length);
            } else {
                raw = in.readNBytes(OciParser.MAX_DOCUMENT + 1);
            }
        } catch (CargoholdException | java.nio.file.NoSuchFileException missingOrDamaged) {
            return; // what is missing or damaged is reported (or refused) where blobs are checked
        }
        String why = reason(d, role, raw);
        if (why != null) {
            out.add(new Finding(d, role, why));
        }
    }

    /** Whether the first non-whitespace byte among the first {@code n} is an opening brace. */
    static boolean startsLikeJson(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            switch (b[i]) {
                case ' ', '\t', '\r', '\n' -> {
                }
                case '{' -> {
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * {@code in} (the whole blob {@code d}, a {@code role}, from its first byte) with the rule applied
     * as it streams: bytes are kept only while they could be a document (JSON whitespace, then from a
     * <code>{</code> on, at most {@link OciParser#MAX_DOCUMENT}); at the end a document in disguise is a
     * {@link CorruptException} ({@code what} names the blob) instead of the end of the stream, so a
     * consumer that reads to the end (to check the digest) never accepts it. Other blobs pass
     * untouched.
     */
    public static InputStream sniffing(InputStream in, Descriptor d, Role role, String what) {
        return worthALook(d, role) ? new Sniffer(in, d, role, what) : in;
    }

    private static final class Sniffer extends FilterInputStream {
        private final Descriptor d;
        private final Role role;
        private final String what;
        private ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean brace;

        Sniffer(InputStream in, Descriptor d, Role role, String what) {
            super(in);
            this.d = d;
            this.role = role;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (kept == null) {
                return n;
            }
            if (n < 0) {
                String why = brace ? reason(d, role, kept.toByteArray()) : null;
                kept = null;
                if (why != null) {
                    throw new CorruptException(what + " is " + why);
                }
                return n;
            }
            for (int i = off; i < off + n && !brace; i++) {
                byte c = b[i];
                if (c == '{') {
                    brace = true;
                } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    kept = null; // not JSON: nothing to keep
                    return n;
                }
            }
            if (kept.size() + n > OciParser.MAX_DOCUMENT) {
                kept = null;
            } else {
                kept.write(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // a skipped prefix cannot be judged: stop looking (the store's commit-time check still does)
            kept = null;
            return super.skip(n);
        }
    }
}
