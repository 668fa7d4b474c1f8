package io.cargohold.copy;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import io.cargohold.oci.Descriptor;

/**
 * Where an image goes (containers/image's {@code ImageDestination}). The engine first asks
 * {@link #tryReuse} for every blob (nothing moves for what the destination has), then puts the
 * missing blobs (layers, then the config), then the manifest(s), then commits. Nothing is visible at
 * the destination before {@link #commit}; {@link #close} without a commit discards what was staged
 * (blobs already stored may stay as unreferenced leftovers, never as a reference).
 */
public interface ImageDestination extends Closeable {
    /** What a destination wants done with layers on the way (containers/image's {@code LayerCompression}). */
    enum LayerCompression {
        /** Take layers as they come (containers-storage). */
        PRESERVE,
        /**
         * Layers keep their compression (so a copy keeps manifest digests), except that an uncompressed diff a
         * source gives for a compressed layer is compressed again as the manifest named it, and every layer
         * is (re)compressed when the copy asks for a format (OCI layouts, the content store).
         */
        COMPRESS,
        /** Store layers uncompressed (docker-archive). */
        DECOMPRESS
    }

    ImageReference reference();

    default LayerCompression desiredLayerCompression() {
        return LayerCompression.COMPRESS;
    }

    /**
     * Whether this destination can store a manifest or index of this media type, as the document its
     * reference names ({@code topLevel}) or inside an index. The engine converts Docker schema 2 to OCI
     * when it cannot (an OCI layout names only OCI documents in index.json: skopeo skips the others), or fails.
     */
    default boolean supportsManifestType(String mediaType, boolean topLevel) {
        return true;
    }

    /** Whether a whole index can be stored (--all); containers-storage and docker-archive store one image. */
    default boolean supportsIndex() {
        return true;
    }

    /** True when layers must be put one at a time in manifest order (containers-storage applies them). */
    default boolean needsOrderedLayers() {
        return false;
    }

    /**
     * Whether the destination already has this blob (or an equivalent: a layer with the same DiffID),
     * before any byte moves. Returns the descriptor to use in the manifest (normally the blob's own).
     */
    Optional<Descriptor> tryReuse(CopyBlob blob) throws IOException;

    /**
     * Stores a blob, verifying (and, when {@link CopyBlob#transformed()}, computing) its digest and size.
     * Returns the descriptor of what was stored.
     */
    Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException;

    /** A blob's content from a byte offset on (the source's {@link ImageSource#blob(Descriptor, long)}). */
    @FunctionalInterface
    interface BlobContent {
        InputStream open(long offset) throws IOException;
    }

    /**
     * Whether this destination resumes interrupted writes of blobs from {@code source} ({@link #putBlobResumable}):
     * then the engine hands it layers that travel unchanged as content it can open at any offset, and the
     * destination verifies size and digest itself before anything becomes visible.
     */
    default boolean resumesBlobs(ImageSource source) {
        return false;
    }

    /**
     * Stores a layer whose digest and size are known, opening {@code content} at the offset an earlier,
     * interrupted write reached (0 when none; not at all when the blob is present meanwhile). Must check
     * size and digest of the whole blob and store nothing on a mismatch. Only called when {@link #resumesBlobs(ImageSource)}.
     */
    default Descriptor putBlobResumable(BlobContent content, CopyBlob blob) throws IOException {
        throw new UnsupportedOperationException(reference().string() + " does not resume blob writes");
    }

    /**
     * Stores a manifest: for an index copy the instances first (each with {@code topLevel} false),
     * then the index; for a single image just its manifest ({@code topLevel} true).
     */
    void putManifest(RawManifest manifest, boolean topLevel) throws IOException;

    /**
     * Makes the image visible atomically. {@code unparsedTopLevel} is what the source's reference named
     * (an index when one platform was chosen from it; containers-storage keeps it as
     * {@code manifest-<digest>}), or the same as the manifest put last.
     */
    void commit(RawManifest unparsedTopLevel) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
