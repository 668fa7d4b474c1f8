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

    /** The blob's transfer continues from byte {@code offset} (after a dropped connection, or an interrupted earlier copy). */
    default void blobResumed(Descriptor d, long offset) {
    }

    /** The blob is at the destination ({@code reused}: it was there already, nothing moved). */
    default void blobDone(Descriptor d, boolean reused) {
    }

    /** A manifest or index was written. */
    default void manifestWritten(RawManifest m) {
    }
}
