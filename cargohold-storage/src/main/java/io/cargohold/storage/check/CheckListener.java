package io.cargohold.storage.check;

/** Progress of a store check, for a progress display; called on the checking thread. */
@FunctionalInterface
public interface CheckListener {
    CheckListener NONE = (layer, done, total, bytes) -> { };

    /**
     * A layer is about to be checked: {@code done} layers of {@code total} are done, and {@code bytes}
     * of file content have been read so far.
     */
    void layer(String id, int done, int total, long bytes);
}
