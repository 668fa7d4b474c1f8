package io.cargohold.copy;

import io.cargohold.oci.Descriptor;

/** Progress of a copy, blob by blob. Called from the copying threads (possibly several at once). */
public interface CopyListener {
    CopyListener NONE = new CopyListener() {
    };

    /** A blob starts moving ({@code d} as the source names it). */
    default void blobStarted(Descriptor d, CopyBlob.Kind kind) {
    }

    /** {@code bytes} more of the blob read from the source. */
    default void blobProgress(Descriptor d, long bytes) {
    }

    /**
     * The blob's transfer continues from byte {@code offset} (after a dropped connection, or an interrupted earlier
     * copy), or starts again ({@code offset} 0, or below what {@link #blobProgress} added up to: an upload the
     * destination restarted reads the blob again): the position is {@code offset} now, and later progress adds to it.
     */
    default void blobResumed(Descriptor d, long offset) {
    }

    /** The blob is at the destination ({@code reused}: it was there already, nothing moved). */
    default void blobDone(Descriptor d, boolean reused) {
    }

    /** A manifest or index was written. */
    default void manifestWritten(RawManifest m) {
    }
}
