package io.cargohold.storage.check;

/** Progress of a store check, for a progress display; called on the checking thread. */
@FunctionalInterface
public interface CheckListener {
    CheckListener NONE = (layer, done, total, bytes) -> { };

    /**
     * A layer is about to be checked: {@code done} layers of {@code total} are done, and {@code bytes}
     * of file content have been read so far. Called again, about five times a second, while the check
     * waits for the contents of layer {@code id} to be read ({@code done == total} then).
     */
    void layer(String id, int done, int total, long bytes);
}
