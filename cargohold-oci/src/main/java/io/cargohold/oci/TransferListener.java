package io.cargohold.oci;

/** Progress of an import or export: told the total first, then each chunk of bytes moved. */
public interface TransferListener {
    TransferListener NONE = new TransferListener() {
    };

    default void start(long totalBytes, int blobs) {
    }

    default void advance(long bytes) {
    }

    default void finish() {
    }
}
